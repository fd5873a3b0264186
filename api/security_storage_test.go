package api

// TestStorageAttacks drives the real router and engine against the cases of
// SECURITY.md §8 (storage-level attacks and input limits) that the API and
// the store decide. The storage-critical ones (D01, D02, D04–D07) run on
// memstore and on mongostore (FerretDB in `make test`), one level below
// the case: TestStorageAttacks/D07_.../mongostore. Subtests are named by
// case id. The fixture is secWorld (security_isolation_test.go).
//
// Elsewhere: D10 (Content-Length lies, chunked bodies) and D11 (server
// timeouts) need the engine's real http.Server, so they are the root
// package's TestStorageAttacks; D13 is also covered in depth by the
// fetcher's own tests in service (TestJWKSFetchSSRFGuard, TestJWKSDialGuard,
// TestJWKSFetchLimits).
//
// Decided by the code rather than by an answer, and tested as such:
//   - D03: no value reaches the store untyped. The test reads the store
//     package's source: every parameter of every Store method, and every
//     field of every record, is a string, a number, a time, a bool, bytes or
//     a record — never a map, an interface or `any` — so nothing decoded
//     from a request can become a query operator.
//   - D05: there are no search endpoints; listings filter by exact values.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

func TestStorageAttacks(t *testing.T) {
	backends := func(run func(*testing.T, *secWorld)) func(*testing.T) {
		return func(t *testing.T) { secBackends(t, run) }
	}
	memory := func(run func(*testing.T, *secWorld)) func(*testing.T) {
		return func(t *testing.T) { run(t, newSecWorld(t, memstore.New(), nil)) }
	}
	cases := []struct {
		id  string
		run func(*testing.T)
	}{
		{"D01_operator_shaped_json_values_are_400", backends(secD01)},
		{"D02_form_keys_are_literal", backends(secD02)},
		{"D03_store_boundary_is_typed", secD03},
		{"D04_dollar_and_dot_keys_in_claims_and_properties", backends(secD04)},
		{"D05_no_search_endpoints_exact_filters_only", backends(secD05)},
		{"D06_only_hashes_at_rest", backends(secD06)},
		{"D07_single_use_under_50_concurrent_uses", backends(secD07)},
		{"D08_bodies_over_the_limit_are_413", memory(secD08)},
		{"D09_parameter_scope_redirect_uri_and_claim_limits", memory(secD09)},
		{"D12_json_at_the_token_endpoint_is_invalid_request", memory(secD12)},
		{"D13_jwks_uri_fetch_refuses_private_addresses", memory(secD13)},
		{"D14_forwarded_headers_ignored", memory(secD14)},
	}
	for _, tc := range cases {
		t.Run(tc.id, tc.run)
	}
}

// D01: a JSON value shaped like a query operator where the API expects a
// string (or a number) is a 400 naming the field, answered before any store
// lookup. The same text sent as a string stays a string: a client ID of
// `{"$ne":null}` is a client that does not exist.
func secD01(t *testing.T, w *secWorld) {
	for _, tc := range []struct {
		path, body  string
		key, secret string
	}{
		{"/api/auth/token", `{"parameters":"grant_type=client_credentials","clientId":{"$ne":null},"clientSecret":{"$ne":null}}`, w.a.key, w.a.secret},
		{"/api/auth/token", `{"parameters":{"$ne":""}}`, w.a.key, w.a.secret},
		{"/api/auth/authorization", `{"parameters":{"$gt":""}}`, w.a.key, w.a.secret},
		{"/api/auth/authorization/issue", `{"ticket":{"$ne":""},"subject":"alice"}`, w.a.key, w.a.secret},
		{"/api/auth/authorization/fail", `{"ticket":{"$ne":""},"reason":"DENIED"}`, w.a.key, w.a.secret},
		{"/api/auth/introspection", `{"token":{"$ne":""}}`, w.a.key, w.a.secret},
		{"/api/auth/introspection/standard", `{"parameters":{"$regex":".*"}}`, w.a.key, w.a.secret},
		{"/api/auth/revocation", `{"parameters":"token=x","clientId":{"$ne":null},"clientSecret":"x"}`, w.a.key, w.a.secret},
		{"/api/auth/userinfo", `{"token":{"$ne":null}}`, w.a.key, w.a.secret},
		{"/api/auth/userinfo/issue", `{"token":{"$ne":null}}`, w.a.key, w.a.secret},
		{"/api/auth/token/create", `{"grantType":"CLIENT_CREDENTIALS","clientId":{"$gt":0}}`, w.a.key, w.a.secret},
		{"/api/auth/token/revoke", `{"accessTokenIdentifier":{"$ne":""}}`, w.a.key, w.a.secret},
		{"/api/client/create", `{"clientName":{"$ne":""},"clientType":"PUBLIC"}`, w.a.key, w.a.secret},
		{"/api/service/create", `{"serviceName":"x","issuer":{"$ne":""}}`, mgmtAdminKey, mgmtAdminSecret},
	} {
		w.spy.reset()
		rec := w.call(t, http.MethodPost, tc.path, tc.key, tc.secret, "application/json", tc.body)
		var body errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusBadRequest || body.ResultCode != "G000202" {
			t.Errorf("%s %s: %d %s, want 400 G000202", tc.path, tc.body, rec.Code, rec.Body)
		}
		if calls := w.spy.lookups(); len(calls) != 0 {
			t.Errorf("%s %s: store calls %v before the 400", tc.path, tc.body, calls)
		}
	}

	// As strings they are just strings.
	for _, id := range []string{`{"$ne":null}`, `{"$gt":""}`, `app" || "1"=="1`} {
		r := w.token(t, w.a, map[string]any{"parameters": "grant_type=client_credentials", "clientId": id, "clientSecret": `{"$ne":null}`})
		if r.Action != "INVALID_CLIENT" {
			t.Errorf("client ID %s: %s %s", id, r.Action, r.ResponseContent)
		}
	}
	if in := secDecode[introspectionJSON](t, w.post(t, w.a, "/api/auth/introspection", map[string]any{"token": `{"$ne":""}`})); in.Action != "UNAUTHORIZED" || in.Existent {
		t.Errorf("token {\"$ne\":\"\"} as a string: %+v", in)
	}
}

// D02: form keys are taken literally — "client_id[$ne]" is a parameter of
// that name, never a nested client_id — in OAuth parameters and in form
// bodies of the API itself.
func secD02(t *testing.T, w *secWorld) {
	withNested := w.authorize(t, w.a, url.Values{"response_type": {"code"}, "client_id[$ne]": {"x"}, "redirect_uri": {secRedirect}, "state": {"s"}})
	without := w.authorize(t, w.a, url.Values{"response_type": {"code"}, "redirect_uri": {secRedirect}, "state": {"s"}})
	if withNested.Action != "BAD_REQUEST" || withNested.ResultCode != without.ResultCode || withNested.ResponseContent != without.ResponseContent {
		t.Errorf("client_id[$ne]=x: %+v; no client_id: %+v", withNested, without)
	}

	p := secFlowParams()
	p.Del("scope")
	p.Set("scope[foo]", "bar")
	p.Set("scope[$ne]", "x")
	a := w.authorize(t, w.a, p)
	if a.Action != "INTERACTION" {
		t.Fatalf("scope[foo]=bar: %s %s", a.Action, a.ResultMessage)
	}
	for _, s := range a.Scopes {
		if s.Name != "openid" { // the service's defaultEntry scope: scope counts as absent
			t.Errorf("scope[foo]=bar granted scope %q", s.Name)
		}
	}

	r := w.token(t, w.a, map[string]any{"parameters": "grant_type=client_credentials&client_id[$ne]=x&client_secret[$ne]=x"})
	if r.Action != "INVALID_CLIENT" {
		t.Errorf("client_id[$ne] at the token endpoint: %s %s", r.Action, r.ResponseContent)
	}
	// The API's own form bodies: clientId[$ne] is an unknown field, ignored.
	rec := w.call(t, http.MethodPost, "/api/auth/token", w.a.key, w.a.secret, "application/x-www-form-urlencoded",
		"parameters=grant_type%3Dclient_credentials&clientId[$ne]=x&clientSecret[$ne]=x&clientId[]=app")
	if r := secDecode[tokenJSON](t, rec); r.Action != "INVALID_CLIENT" {
		t.Errorf("form body with clientId[$ne]: %s %s", r.Action, r.ResponseContent)
	}
}

// D03: the store's whole contract is typed. Read from the store package's
// source, so that a map or an `any` added to a record or a method fails here.
func secD03(t *testing.T) {
	fset := token.NewFileSet()
	types := map[string]ast.Expr{}
	dir := filepath.Join("..", "store")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					types[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	if types["Store"] == nil {
		t.Fatal("no Store interface in ../store")
	}
	scalars := []string{"string", "bool", "int", "int64", "int32", "byte", "error"}
	allowedSel := []string{"context.Context", "time.Time", "time.Duration"}
	checked := map[string]bool{}
	var check func(where string, e ast.Expr)
	check = func(where string, e ast.Expr) {
		switch e := e.(type) {
		case *ast.Ident:
			switch {
			case slices.Contains(scalars, e.Name):
			case types[e.Name] != nil:
				if !checked[e.Name] {
					checked[e.Name] = true
					if _, isIface := types[e.Name].(*ast.InterfaceType); !isIface {
						check(where+" → "+e.Name, types[e.Name])
					}
				}
			default:
				t.Errorf("%s: type %s may carry anything", where, e.Name)
			}
		case *ast.SelectorExpr:
			if name := fmt.Sprint(e.X) + "." + e.Sel.Name; !slices.Contains(allowedSel, name) {
				t.Errorf("%s: type %s", where, name)
			}
		case *ast.ArrayType:
			check(where, e.Elt)
		case *ast.StarExpr:
			check(where, e.X)
		case *ast.StructType:
			for _, f := range e.Fields.List {
				check(fmt.Sprintf("%s.%v", where, f.Names), f.Type)
			}
		default:
			t.Errorf("%s: %T (a map, an interface or a func) could carry a decoded operator to a filter", where, e)
		}
	}
	var methods func(name string)
	methods = func(name string) {
		iface, ok := types[name].(*ast.InterfaceType)
		if !ok {
			t.Fatalf("%s is not an interface", name)
		}
		for _, m := range iface.Methods.List {
			ft, ok := m.Type.(*ast.FuncType)
			if !ok { // an embedded interface
				methods(fmt.Sprint(m.Type))
				continue
			}
			for _, fl := range [][]*ast.Field{ft.Params.List, ft.Results.List} {
				for _, p := range fl {
					check(fmt.Sprintf("%s.%s", name, m.Names[0]), p.Type)
				}
			}
		}
	}
	methods("Store")
	for _, rec := range []string{"Service", "Client", "Ticket", "AuthorizationCode", "Token", "SigningKey", "TokenFilter", "Page"} {
		if !checked[rec] {
			t.Errorf("record %s is not reached from the Store interface: the check missed it", rec)
		}
	}
}

// D04: keys starting with "$" or holding "." in what a frontend hands over
// (custom claims, properties) are values, never document field names: a
// claims object is stored as opaque JSON bytes, a property as {key, value}.
// On FerretDB, which refuses such field names, the flow works end to end.
// Client metadata is typed: an unknown key, "$"-shaped or not, is a 400.
func secD04(t *testing.T, w *secWorld) {
	claims := `{"$where":"1","a.b":"c","nested":{"$gt":1,"x.y":[{"$ne":null}]}}`
	props := []propertyJSON{{Key: "$set", Value: "x"}, {Key: "a.b", Value: "y"}, {Key: "$hidden.", Value: "z", Hidden: true}}
	a := w.issue(t, w.a, w.ticket(t, w.a), claims, props)
	if a.Action != "LOCATION" || a.AuthorizationCode == "" {
		t.Fatalf("issue with $ and . keys: %s %s", a.Action, a.ResultMessage)
	}
	r := w.redeem(t, w.a, a.AuthorizationCode)
	if r.Action != "OK" {
		t.Fatalf("redeem: %s %s", r.Action, r.ResponseContent)
	}
	parts := strings.Split(r.IDToken, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(payload, &got); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	_ = json.Unmarshal([]byte(claims), &want)
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("ID token claim %q = %v, want %v", k, got[k], v)
		}
	}
	in := secDecode[introspectionJSON](t, w.post(t, w.a, "/api/auth/introspection", map[string]any{"token": r.AccessToken}))
	if in.Action != "OK" || !slices.Equal(in.Properties, props[:2]) {
		t.Errorf("introspection properties = %+v (%s), want the visible %+v", in.Properties, in.Action, props[:2])
	}

	for _, body := range []string{
		`{"clientName":"x","clientType":"PUBLIC","redirectUris":["http://127.0.0.1/cb"],"extension":{"$where":"1"}}`,
		`{"clientName":"x","clientType":"PUBLIC","redirectUris":["http://127.0.0.1/cb"],"a.b":"c"}`,
		`{"clientName":"x","clientType":"PUBLIC","redirectUris":["http://127.0.0.1/cb"],"$set":{"serviceId":1}}`,
	} {
		if rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json", body); rec.Code != http.StatusBadRequest {
			t.Errorf("client metadata %s: %d %s, want 400", body, rec.Code, rec.Body)
		}
	}
}

// D05: no endpoint takes a prefix or a pattern. The only filters are the
// token listing's clientIdentifier and subject, matched exactly — on
// MongoDB as in memory. The Mongo backend's one $regex is anchored and
// quotes a constant; no $where, $expr or $function exists in it.
func secD05(t *testing.T, w *secWorld) {
	w.flow(t, w.a, "alice")
	count := func(q string) (int, int) {
		rec := w.call(t, http.MethodGet, "/api/auth/token/get/list?"+q, w.a.key, w.a.secret, "", "")
		var list tokenListJSON
		_ = json.Unmarshal(rec.Body.Bytes(), &list)
		return rec.Code, list.TotalCount
	}
	if code, n := count("subject=alice"); code != http.StatusOK || n == 0 {
		t.Fatalf("subject=alice: %d, %d tokens", code, n)
	}
	for _, s := range []string{".*", "^a", "alic", "ALICE", "alice|bob", `{"$regex":"a"}`, "a%", "*"} {
		if code, n := count("subject=" + url.QueryEscape(s)); code != http.StatusOK || n != 0 {
			t.Errorf("subject=%s: %d, %d tokens; want an exact match only", s, code, n)
		}
	}
	for _, c := range []string{"ap.*", "^app", "a*"} {
		if code, _ := count("clientIdentifier=" + url.QueryEscape(c)); code != http.StatusNotFound {
			t.Errorf("clientIdentifier=%s: %d, want 404", c, code)
		}
	}
	for _, r := range w.e.Routes() {
		if p := strings.ToLower(r.Path); strings.Contains(p, "search") || strings.Contains(p, "find") || strings.Contains(p, "query") {
			t.Errorf("route %s %s looks like a search endpoint", r.Method, r.Path)
		}
	}

	files, err := filepath.Glob(filepath.Join("..", "store", "mongostore", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("mongostore sources: %v", err)
	}
	regexUse := regexp.MustCompile(`"\$regex"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{`"$where"`, `"$expr"`, `"$function"`, `"$accumulator"`, `"$text"`} {
			if bytes.Contains(src, []byte(op)) {
				t.Errorf("%s uses %s", f, op)
			}
		}
		for _, line := range strings.Split(string(src), "\n") {
			if regexUse.MatchString(line) && !strings.Contains(line, `"^" + regexp.QuoteMeta(`) {
				t.Errorf("%s: a $regex that is not an anchored, quoted constant: %s", f, strings.TrimSpace(line))
			}
		}
	}
}

// D06: after a full flow, a refresh and a secret refresh, nothing written
// to the store — and, on MongoDB, nothing in any collection — holds a raw
// secret, ticket, code or token; each is found under its SHA-256 only.
func secD06(t *testing.T, w *secWorld) {
	f := w.flow(t, w.a, "alice")
	refreshed := w.token(t, w.a, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + f.rt, "clientId": "app", "clientSecret": w.a.app.ClientSecret})
	if refreshed.Action != "OK" || refreshed.RefreshToken == "" {
		t.Fatalf("refresh: %s %s", refreshed.Action, refreshed.ResponseContent)
	}
	var secretRefresh struct {
		NewClientSecret string `json:"newClientSecret"`
	}
	w.expect(t, w.call(t, http.MethodGet, fmt.Sprintf("/api/client/secret/refresh/%d", w.b.app.ClientID), w.b.key, w.b.secret, "", ""), http.StatusOK, &secretRefresh)
	cc := w.token(t, w.a, map[string]any{"parameters": "grant_type=client_credentials", "clientId": "app", "clientSecret": w.a.app.ClientSecret})

	raws := map[string]string{
		"A's API secret": w.a.secret, "B's API secret": w.b.secret,
		"A's client secret": w.a.app.ClientSecret, "B's client secret": w.b.app.ClientSecret, "B's refreshed client secret": secretRefresh.NewClientSecret,
		"ticket": f.ticket, "code": f.code, "access token": f.at, "refresh token": f.rt,
		"refreshed access token": refreshed.AccessToken, "rotated refresh token": refreshed.RefreshToken,
		"client credentials access token": cc.AccessToken,
	}
	var dump []string
	for _, rec := range w.spy.recorded() {
		secStrings(reflect.ValueOf(rec), &dump)
	}
	for what, raw := range raws {
		if raw == "" {
			t.Fatalf("no %s", what)
		}
		if secContains(dump, raw) {
			t.Errorf("the %s was written to the store in clear", what)
		}
	}

	// What is stored is the SHA-256, and lookups go by it.
	ctx := t.Context()
	for _, raw := range []string{refreshed.AccessToken, refreshed.RefreshToken, cc.AccessToken} { // the live ones
		if _, err := w.spy.Store.GetToken(ctx, w.a.apiKey, secHash(raw)); err != nil {
			t.Errorf("a token is not stored under its hash: %v", err)
		}
	}
	for _, raw := range []string{f.at, f.rt, refreshed.AccessToken, refreshed.RefreshToken, cc.AccessToken} {
		if _, err := w.spy.Store.GetToken(ctx, w.a.apiKey, raw); err == nil {
			t.Errorf("a token is found under its raw value")
		}
	}
	var ticketHashed, codeHashed bool
	for _, rec := range w.spy.recorded() {
		switch r := rec.(type) {
		case store.Ticket:
			ticketHashed = ticketHashed || r.Hash == secHash(f.ticket)
		case store.AuthorizationCode:
			codeHashed = codeHashed || r.Hash == secHash(f.code)
		case store.Client:
			if r.ClientID == w.a.app.ClientID {
				if sum := sha256.Sum256([]byte(w.a.app.ClientSecret)); !bytes.Equal(r.ClientSecretHash, sum[:]) {
					t.Errorf("client record holds %x, want the SHA-256 of the secret", r.ClientSecretHash)
				}
			}
		case store.Service:
			if r.APIKey == w.a.apiKey {
				if sum := sha256.Sum256([]byte(w.a.secret)); !bytes.Equal(r.APISecretHash, sum[:]) {
					t.Errorf("service record holds %x, want the SHA-256 of the API secret", r.APISecretHash)
				}
			}
		}
	}
	if !ticketHashed || !codeHashed {
		t.Errorf("ticket stored under its hash: %v; code: %v", ticketHashed, codeHashed)
	}

	if w.db == nil {
		return
	}
	// A dump of the MongoDB database: every document of every collection.
	names, err := w.db.DB.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, name := range names {
		cur, err := w.db.DB.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		for cur.Next(ctx) {
			docs++
			doc := []string{string(cur.Current)}
			for what, raw := range raws {
				if secContains(doc, raw) {
					t.Errorf("collection %s holds the %s in clear", name, what)
				}
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		_ = cur.Close(ctx)
	}
	if docs < 10 {
		t.Errorf("the dump saw %d documents in %v: not the database the engine used?", docs, names)
	}
}

// D07: single-use records under 50 concurrent uses through the engine: a
// ticket answers exactly one /issue; a code and a refresh token give tokens
// at most once (a replay that overtakes the winner revokes its tokens, see
// TestTokenEndpoint T09/R07), every other use is invalid_grant, and nothing
// is a 5xx — on FerretDB too, where FindOneAndUpdate is not atomic.
func secD07(t *testing.T, w *secWorld) {
	const n = 50
	race := func(path string, body func(int) string) []*httptest.ResponseRecorder {
		out := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body(i)))
				req.SetBasicAuth(w.a.key, w.a.secret)
				req.Header.Set("Content-Type", "application/json")
				out[i] = httptest.NewRecorder()
				w.e.ServeHTTP(out[i], req)
			})
		}
		close(start)
		wg.Wait()
		return out
	}
	tally := func(what string, recs []*httptest.ResponseRecorder, ok string) int {
		t.Helper()
		won := 0
		for _, rec := range recs {
			var r struct {
				Action, ResultCode, ResponseContent string
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &r) != nil {
				t.Errorf("%s: %d %s", what, rec.Code, rec.Body)
				continue
			}
			switch {
			case r.Action == ok:
				won++
			case r.Action != "BAD_REQUEST":
				t.Errorf("%s: %s %s", what, r.Action, r.ResponseContent)
			}
		}
		return won
	}

	ticket := w.ticket(t, w.a)
	issue := race("/api/auth/authorization/issue", func(int) string {
		return fmt.Sprintf(`{"ticket":%q,"subject":"alice","authTime":%d}`, ticket, time.Now().Add(-time.Minute).Unix())
	})
	if won := tally("ticket", issue, "LOCATION"); won != 1 {
		t.Errorf("%d of %d concurrent /issue calls used one ticket, want exactly 1", won, n)
	}

	code := w.code(t, w.a, w.ticket(t, w.a))
	redeem := race("/api/auth/token", func(int) string {
		return secJSON(t, map[string]any{"parameters": "grant_type=authorization_code&code=" + code + "&redirect_uri=" + url.QueryEscape(secRedirect),
			"clientId": "app", "clientSecret": w.a.app.ClientSecret})
	})
	if won := tally("code", redeem, "OK"); won > 1 {
		t.Errorf("%d of %d concurrent redemptions of one code got tokens, want at most 1", won, n)
	}

	f := w.flow(t, w.a, "alice")
	refresh := race("/api/auth/token", func(int) string {
		return secJSON(t, map[string]any{"parameters": "grant_type=refresh_token&refresh_token=" + f.rt, "clientId": "app", "clientSecret": w.a.app.ClientSecret})
	})
	if won := tally("refresh token", refresh, "OK"); won > 1 {
		t.Errorf("%d of %d concurrent refreshes with one refresh token got tokens, want at most 1", won, n)
	}
}

// D08: a body over the limit — 64 KiB on every runtime API, 1 MiB on the
// management API — is a 413 answered before any store lookup.
func secD08(t *testing.T, w *secWorld) {
	big := `{"parameters":"` + strings.Repeat("a", 64<<10) + `"}`
	for _, path := range []string{
		"/api/auth/authorization", "/api/auth/authorization/issue", "/api/auth/authorization/fail",
		"/api/auth/token", "/api/auth/token/issue", "/api/auth/token/fail",
		"/api/auth/introspection", "/api/auth/introspection/standard", "/api/auth/revocation",
		"/api/auth/userinfo", "/api/auth/userinfo/issue",
	} {
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
			w.spy.reset()
			body := big
			if ct != "application/json" {
				body = "parameters=" + strings.Repeat("a", 64<<10)
			}
			rec := w.call(t, http.MethodPost, path, w.a.key, w.a.secret, ct, body)
			if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"G000204"`) {
				t.Errorf("%s (%s): %d %.200s, want 413", path, ct, rec.Code, rec.Body)
			}
			if calls := w.spy.lookups(); len(calls) != 0 {
				t.Errorf("%s: store calls %v before the 413", path, calls)
			}
		}
	}
	w.spy.reset()
	if rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json",
		`{"clientName":"`+strings.Repeat("a", 1<<20)+`","clientType":"PUBLIC"}`); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("management body over 1 MiB: %d", rec.Code)
	}
	if calls := w.spy.lookups(); len(calls) != 0 {
		t.Errorf("management: store calls %v before the 413", calls)
	}
	// Just under the runtime limit is read and answered.
	ok := `{"parameters":"token=` + strings.Repeat("a", 60<<10) + `"}`
	if rec := w.call(t, http.MethodPost, "/api/auth/introspection/standard", w.a.key, w.a.secret, "application/json", ok); rec.Code != http.StatusOK {
		t.Errorf("a 60 KiB body: %d", rec.Code)
	}
}

// D09: each count and size limit is a clear refusal with bounded work:
// OAuth parameters (16 KiB, 100 parameters — the engine's counterpart of
// the frontend's URL limit), free-text parameters (2048), scopes per
// request (100), redirect URIs (50) and requestable scopes (100) per
// client, end-user claims per ID token (100, nested at most 5 levels).
func secD09(t *testing.T, w *secWorld) {
	runtime := func(name, path string, body any, wantAction, wantCode string, storeFree bool) {
		t.Helper()
		w.spy.reset()
		rec := w.post(t, w.a, path, body)
		var r struct{ Action, ResultCode, ResponseContent string }
		_ = json.Unmarshal(rec.Body.Bytes(), &r)
		if rec.Code != http.StatusOK || r.Action != wantAction || !strings.Contains(r.ResultCode+" "+r.ResponseContent, wantCode) {
			t.Errorf("%s: %d %s %s %.300s; want %s %s", name, rec.Code, r.Action, r.ResultCode, r.ResponseContent, wantAction, wantCode)
		}
		if calls := w.spy.lookups(); storeFree && len(calls) != 0 {
			t.Errorf("%s: store calls %v before the refusal", name, calls)
		}
	}
	authz := func(extra url.Values) string {
		p := secFlowParams()
		for k, v := range extra {
			p[k] = v
		}
		return p.Encode()
	}
	runtime("authorization parameters over 16 KiB", "/api/auth/authorization",
		map[string]any{"parameters": "client_id=app&x=" + strings.Repeat("a", 16<<10)}, "BAD_REQUEST", "G004301", true)
	runtime("more than 100 authorization parameters", "/api/auth/authorization",
		map[string]any{"parameters": strings.Repeat("x=1&", 101) + "client_id=app"}, "BAD_REQUEST", "G004301", true)
	runtime("more than 100 token parameters", "/api/auth/token",
		map[string]any{"parameters": strings.Repeat("x=1&", 101) + "grant_type=client_credentials", "clientId": "app", "clientSecret": w.a.app.ClientSecret},
		"BAD_REQUEST", "invalid_request", true)
	runtime("more than 100 scopes", "/api/auth/authorization",
		map[string]any{"parameters": authz(url.Values{"scope": {strings.TrimSpace(strings.Repeat("openid ", 101))}})}, "LOCATION", "invalid_scope", false)
	runtime("free-text parameter over 2048 characters", "/api/auth/authorization",
		map[string]any{"parameters": authz(url.Values{"nonce": {strings.Repeat("n", 2049)}})}, "LOCATION", "invalid_request", false)

	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("https://app.example/cb%d", i)
	}
	scopes := make([]string, 101)
	for i := range scopes {
		scopes[i] = fmt.Sprintf("s%d", i)
	}
	for name, body := range map[string]map[string]any{
		"more than 50 redirect URIs": {"clientName": "x", "clientType": "CONFIDENTIAL", "redirectUris": many},
		"more than 100 requestable scopes": {"clientName": "x", "clientType": "CONFIDENTIAL", "redirectUris": []string{secRedirect},
			"extension": map[string]any{"requestableScopesEnabled": true, "requestableScopes": scopes}},
	} {
		w.spy.reset()
		rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json", secJSON(t, body))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %.200s, want 400", name, rec.Code, rec.Body)
		}
		if calls := w.spy.lookups(); len(calls) != 0 {
			t.Errorf("%s: store calls %v before the 400", name, calls)
		}
	}

	claims := map[string]any{}
	for i := range 101 {
		claims[fmt.Sprintf("c%d", i)] = i
	}
	deep := any("x")
	for range 6 {
		deep = map[string]any{"d": deep}
	}
	for name, c := range map[string]any{"more than 100 claims": claims, "claims nested deeper than 5 levels": map[string]any{"deep": deep}} {
		a := w.issue(t, w.a, w.ticket(t, w.a), secJSON(t, c), nil)
		if a.Action != "BAD_REQUEST" {
			t.Errorf("%s at /issue: %s %s", name, a.Action, a.ResultMessage)
		}
	}
}

// D12: the engine takes the token request's body as a form string
// (`parameters`, RFC 6749 §4.1.3). A frontend that relays a JSON body gets
// invalid_request — its JSON is no form — and a JSON object where the form
// string belongs is a 400 of the call itself.
func secD12(t *testing.T, w *secWorld) {
	for _, body := range []string{
		`{"grant_type":"client_credentials"}`,
		`{"grant_type":"authorization_code","code":"x","redirect_uri":"` + secRedirect + `"}`,
		`["grant_type","client_credentials"]`,
	} {
		r := w.token(t, w.a, map[string]any{"parameters": body, "clientId": "app", "clientSecret": w.a.app.ClientSecret})
		if r.Action != "BAD_REQUEST" || !strings.Contains(r.ResponseContent, `"error":"invalid_request"`) {
			t.Errorf("JSON %s as the token request: %s %s", body, r.Action, r.ResponseContent)
		}
		if r.AccessToken != "" {
			t.Errorf("JSON %s issued a token", body)
		}
	}
	rec := w.call(t, http.MethodPost, "/api/auth/token", w.a.key, w.a.secret, "application/json",
		`{"parameters":{"grant_type":"client_credentials"},"clientId":"app","clientSecret":"`+w.a.app.ClientSecret+`"}`)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("parameters as a JSON object: %d %s, want 400", rec.Code, rec.Body)
	}
	rec = w.call(t, http.MethodPost, "/api/auth/token", w.a.key, w.a.secret, "text/plain", "grant_type=client_credentials")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("a text/plain call: %d, want 400", rec.Code)
	}
}

// D13: a client's jwksUri on a private address is never fetched: a
// private_key_jwt client whose jwksUri names a loopback server (by IP, and
// by a name that resolves to it) is refused with invalid_client and the
// server sees no connection at all — while a service that opts into private
// addresses (for development) does connect, so it is the guard that stops
// the others. Only https URIs are accepted at registration; the fetcher's
// size and time limits are service's TestJWKSFetchLimits.
func secD13(t *testing.T, w *secWorld) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = rw.Write([]byte(`{"keys":[]}`))
	}))
	srv.Listener = secCountingListener{srv.Listener, &conns}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the control's failed handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attempt := func(tn secTenant, alias, uri string) tokenJSON {
		t.Helper()
		c := w.newClient(t, tn, secJSON(t, map[string]any{"clientName": "JWT", "clientType": "CONFIDENTIAL", "clientIdAlias": alias,
			"tokenAuthMethod": "PRIVATE_KEY_JWT", "grantTypes": []string{"CLIENT_CREDENTIALS"}, "responseTypes": []string{}, "jwksUri": uri}))
		id := fmt.Sprint(c.ClientID)
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		assertion, err := jwt.Signed(signer).Claims(map[string]any{"iss": id, "sub": id, "aud": tn.issuer, "iat": now.Unix(),
			"exp": now.Add(time.Minute).Unix(), "jti": secRandomToken()}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return w.token(t, tn, map[string]any{"parameters": url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}.Encode()})
	}

	for i, uri := range []string{"https://127.0.0.1:" + port + "/jwks", "https://localhost:" + port + "/jwks"} {
		if r := attempt(w.a, fmt.Sprintf("jwt%d", i), uri); r.Action != "INVALID_CLIENT" {
			t.Errorf("jwksUri %s: %s %s", uri, r.Action, r.ResponseContent)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d connections reached the loopback jwksUri server", n)
	}

	// The control: B opts into private addresses and its fetch connects
	// (and fails on the test server's unknown certificate).
	var svc map[string]any
	w.expect(t, w.call(t, http.MethodGet, "/api/service/get/"+w.b.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &svc)
	svc["jwksUriPrivateAddressAllowed"] = true
	w.expect(t, w.call(t, http.MethodPost, "/api/service/update/"+w.b.key, mgmtAdminKey, mgmtAdminSecret, "application/json", secJSON(t, svc)), http.StatusOK, nil)
	if r := attempt(w.b, "jwt-dev", "https://127.0.0.1:"+port+"/jwks"); r.Action != "INVALID_CLIENT" {
		t.Errorf("opted-in service with an untrusted certificate: %s", r.Action)
	}
	if conns.Load() == 0 {
		t.Error("the opted-in service never connected: the guard is not what stopped the others")
	}

	if rec := w.call(t, http.MethodPost, "/api/client/create", w.a.key, w.a.secret, "application/json", secJSON(t, map[string]any{
		"clientName": "JWT", "clientType": "CONFIDENTIAL", "tokenAuthMethod": "PRIVATE_KEY_JWT", "grantTypes": []string{"CLIENT_CREDENTIALS"},
		"responseTypes": []string{}, "jwksUri": "http://keys.example/jwks"})); rec.Code != http.StatusBadRequest {
		t.Errorf("an http jwksUri: %d, want 400", rec.Code)
	}
}

type secCountingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l secCountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// D14: X-Forwarded-For/-Proto/-Host, Forwarded and X-Real-IP forged by a
// caller change nothing: not the discovery document (issuer and endpoints
// come from the service's settings), not the redirect and iss of an
// authorization response, not the per-service rate limit, not the
// failed-authentication throttle. The engine reads none of them.
func secD14(t *testing.T, w *secWorld) {
	n := 0
	forged := func(req *http.Request) {
		n++
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", n%250))
		req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", n%250))
		req.Header.Set("X-Forwarded-Proto", "http")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("Forwarded", fmt.Sprintf("for=192.0.2.%d;proto=http;host=evil.example", n%250))
	}
	send := func(tn secTenant, method, path, body string, forge bool) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.SetBasicAuth(tn.key, tn.secret)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if forge {
			forged(req)
		}
		rec := httptest.NewRecorder()
		w.e.ServeHTTP(rec, req)
		checkContract(t, req, []byte(body), rec)
		return rec
	}

	plain := send(w.a, http.MethodGet, "/api/service/configuration", "", false)
	if f := send(w.a, http.MethodGet, "/api/service/configuration", "", true); f.Code != http.StatusOK || f.Body.String() != plain.Body.String() {
		t.Errorf("discovery under forged headers:\n%s\nwithout:\n%s", f.Body, plain.Body)
	}
	if strings.Contains(plain.Body.String(), "evil.example") {
		t.Error("discovery names the forged host")
	}

	a := secDecode[authorizationJSON](t, send(w.a, http.MethodPost, "/api/auth/authorization", secJSON(t, map[string]any{"parameters": secFlowParams().Encode()}), true))
	if a.Action != "INTERACTION" {
		t.Fatalf("authorization under forged headers: %s %s", a.Action, a.ResultMessage)
	}
	issued := secDecode[authorizationJSON](t, send(w.a, http.MethodPost, "/api/auth/authorization/issue",
		secJSON(t, map[string]any{"ticket": a.Ticket, "subject": "alice", "authTime": time.Now().Add(-time.Minute).Unix()}), true))
	loc, err := url.Parse(issued.ResponseContent)
	if issued.Action != "LOCATION" || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != secRedirect || loc.Query().Get("iss") != w.a.issuer {
		t.Errorf("authorization response under forged headers: %s %s", issued.Action, issued.ResponseContent)
	}

	// The failed-authentication throttle (C16) counts per client, whatever
	// address the caller claims.
	throttled := false
	for range 30 {
		rec := send(w.a, http.MethodPost, "/api/auth/token", secJSON(t, map[string]any{"parameters": "grant_type=client_credentials", "clientId": "app", "clientSecret": "wrong"}), true)
		throttled = throttled || strings.Contains(rec.Body.String(), `"TOO_MANY_REQUESTS"`)
	}
	if !throttled {
		t.Error("30 failed authentications from 30 claimed addresses were never throttled")
	}

	// The service's rate limit is per service, not per claimed address.
	var svc map[string]any
	w.expect(t, w.call(t, http.MethodGet, "/api/service/get/"+w.b.key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &svc)
	svc["requestRateLimit"] = 1
	w.expect(t, w.call(t, http.MethodPost, "/api/service/update/"+w.b.key, mgmtAdminKey, mgmtAdminSecret, "application/json", secJSON(t, svc)), http.StatusOK, nil)
	start, passed := time.Now(), 0
	for range 8 {
		if send(w.b, http.MethodPost, "/api/auth/introspection/standard", `{"parameters":"token=x"}`, true).Code == http.StatusOK {
			passed++
		}
	}
	if allowed := 2 + int(time.Since(start).Seconds()); passed > allowed {
		t.Errorf("%d of 8 calls at 1/s passed from 8 claimed addresses", passed)
	}
}
