package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// The resource owner's credentials of these tests; the password is
// distinctive so that a scan for it cannot match anything else.
const (
	pwUsername = "ada@example.com"
	pwPassword = "Tr0ub4dor-3-never-stored" // nothing JSON would escape
)

// recordingStore is a memstore that keeps a printout of every record
// written, so a test can prove what never reaches the store.
type recordingStore struct {
	*memstore.Store
	mu     sync.Mutex
	writes []string
}

func (s *recordingStore) record(vs ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		s.writes = append(s.writes, fmt.Sprintf("%+v", v))
	}
}

func (s *recordingStore) CreateService(ctx context.Context, svc store.Service) error {
	s.record(svc)
	return s.Store.CreateService(ctx, svc)
}

func (s *recordingStore) UpdateService(ctx context.Context, svc store.Service) error {
	s.record(svc)
	return s.Store.UpdateService(ctx, svc)
}

func (s *recordingStore) CreateClient(ctx context.Context, c store.Client) error {
	s.record(c)
	return s.Store.CreateClient(ctx, c)
}

func (s *recordingStore) UpdateClient(ctx context.Context, c store.Client) error {
	s.record(c)
	return s.Store.UpdateClient(ctx, c)
}

func (s *recordingStore) CreateTicket(ctx context.Context, t store.Ticket) error {
	s.record(t, string(t.Payload))
	return s.Store.CreateTicket(ctx, t)
}

func (s *recordingStore) CreateCode(ctx context.Context, c store.AuthorizationCode) error {
	s.record(c, string(c.Claims))
	return s.Store.CreateCode(ctx, c)
}

func (s *recordingStore) CreateToken(ctx context.Context, t store.Token) error {
	s.record(t)
	return s.Store.CreateToken(ctx, t)
}

func (s *recordingStore) CreateKey(ctx context.Context, k store.SigningKey) error {
	s.record(k)
	return s.Store.CreateKey(ctx, k)
}

func (s *recordingStore) Claim(ctx context.Context, serviceID int64, kind, key string, expiresAt time.Time) error {
	s.record(kind, key)
	return s.Store.Claim(ctx, serviceID, kind, key, expiresAt)
}

// passwordFixture is a service that enables the password grant, with a
// Basic client registered for it (and for refresh), over a settable clock
// and a recording store.
type passwordFixture struct {
	e      *Engine
	st     *recordingStore
	clk    *clock
	svc    store.Service
	client store.Client
	secret string
}

func newPasswordFixture(t *testing.T) *passwordFixture {
	t.Helper()
	f := &passwordFixture{st: &recordingStore{Store: memstore.New()}, clk: &clock{t: testNow}}
	f.e = mustNew(t, Config{Store: f.st, Now: f.clk.now})
	in := testService()
	in.SupportedGrantTypes = append(in.SupportedGrantTypes, oauth.GrantPassword)
	var err error
	if f.svc, _, err = f.e.CreateService(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	c := testClient(oauth.ClientConfidential)
	c.ClientIDAlias, c.ClientIDAliasEnabled, c.TokenAuthMethod = "pw", true, oauth.AuthClientSecretBasic
	c.GrantTypes, c.ResponseTypes, c.RedirectURIs = []string{oauth.GrantPassword, oauth.GrantRefreshToken}, []string{}, nil
	if f.client, f.secret, err = f.e.CreateClient(context.Background(), f.svc, c); err != nil {
		t.Fatal(err)
	}
	return f
}

// token sends a token request of the password client with HTTP Basic.
func (f *passwordFixture) token(t *testing.T, params url.Values, props ...store.Property) TokenResult {
	t.Helper()
	r, err := f.e.Token(context.Background(), f.svc, TokenRequest{Parameters: params.Encode(), ClientID: "pw", ClientSecret: f.secret, Properties: props})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return r
}

// password runs a valid password request and returns its PASSWORD answer.
func (f *passwordFixture) password(t *testing.T, scope string, props ...store.Property) TokenResult {
	t.Helper()
	r := f.token(t, url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword}, "scope": {scope}}, props...)
	if r.Action != ActionPassword || r.Ticket == "" {
		t.Fatalf("password request = %s %s", r.Action, r.ResultMessage)
	}
	return r
}

func (f *passwordFixture) issue(t *testing.T, ticket, subject string, props ...store.Property) TokenResult {
	t.Helper()
	r, err := f.e.TokenIssue(context.Background(), f.svc, ticket, subject, props)
	if err != nil {
		t.Fatalf("TokenIssue: %v", err)
	}
	return r
}

func (f *passwordFixture) fail(t *testing.T, ticket, reason string) TokenResult {
	t.Helper()
	r, err := f.e.TokenFail(context.Background(), f.svc, ticket, reason)
	if err != nil {
		t.Fatalf("TokenFail: %v", err)
	}
	return r
}

// wantResult checks an answer's action, result code and client error.
func wantResult(t *testing.T, r TokenResult, action, code, oauthErr string) {
	t.Helper()
	var body oauth.Error
	_ = json.Unmarshal([]byte(r.ResponseContent), &body)
	if r.Action != action || r.ResultCode != code || body.Code != oauthErr {
		t.Fatalf("got %s %s %q (%s), want %s %s %q", r.Action, r.ResultCode, body.Code, r.ResultMessage, action, code, oauthErr)
	}
	if r.AccessToken != "" || r.RefreshToken != "" || r.IDToken != "" {
		t.Errorf("an error answer carries tokens: %+v", r)
	}
}

// TestPasswordGrantOffByDefault is SECURITY T03: the grant is refused unless
// the service enables it, and then only for clients registered for it.
func TestPasswordGrantOffByDefault(t *testing.T) {
	if slices.Contains(ServiceDefaults().SupportedGrantTypes, oauth.GrantPassword) {
		t.Fatal("the password grant must be off by default")
	}
	creds := url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword}}
	f := newTokenFixture(t, nil)
	wantError(t, f.token(t, "basic", creds), ActionBadRequest, oauth.CodeUnsupportedGrantType)

	f = newTokenFixture(t, func(s *store.Service) {
		s.SupportedGrantTypes = append(s.SupportedGrantTypes, oauth.GrantPassword)
	})
	wantError(t, f.token(t, "basic", creds), ActionBadRequest, oauth.CodeUnauthorizedClient)
}

func TestPasswordGrant(t *testing.T) {
	f := newPasswordFixture(t)
	r := f.password(t, "openid profile offline_access unknown profile", store.Property{Key: "channel", Value: "app"})
	if r.ResultCode != "G005002" || r.Username != pwUsername || r.Password != pwPassword || r.ClientID != f.client.ClientID ||
		r.GrantType != oauth.GrantPassword || strings.Join(r.Scopes, " ") != "openid profile offline_access" {
		t.Fatalf("PASSWORD answer = %+v", r)
	}
	if r.ResponseContent != "" || r.AccessToken != "" || strings.Contains(r.ResultMessage, pwPassword) {
		t.Errorf("PASSWORD answer says too much: %+v", r)
	}

	f.clk.t = f.clk.t.Add(time.Minute) // the frontend checks the password
	issued := f.issue(t, r.Ticket, "user-1", store.Property{Key: "login", Value: "password"})
	if issued.Action != ActionOK || issued.ResultCode != "G005001" || issued.AccessToken == "" || issued.RefreshToken == "" || issued.IDToken == "" ||
		issued.Subject != "user-1" || issued.ClientID != f.client.ClientID || issued.GrantType != oauth.GrantPassword {
		t.Fatalf("TokenIssue = %+v", issued)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(issued.ResponseContent), &body); err != nil {
		t.Fatal(err)
	}
	if body["access_token"] != issued.AccessToken || body["refresh_token"] != issued.RefreshToken || body["id_token"] != issued.IDToken ||
		body["token_type"] != "Bearer" || body["scope"] != "openid profile offline_access" {
		t.Errorf("token response %v", body)
	}
	_, claims := verify(t, publicKeys(t, f.e, f.svc), issued.IDToken)
	if claims["sub"] != "user-1" || claims["auth_time"] != float64(f.clk.t.Unix()) || claims["nonce"] != nil ||
		claims["at_hash"] != halfHash(issued.AccessToken) || claims["aud"] != fmt.Sprint(f.client.ClientID) {
		t.Errorf("ID token claims %v", claims)
	}
	at, err := f.st.GetToken(context.Background(), f.svc.APIKey, hashToken(issued.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	wantProps := []store.Property{{Key: "channel", Value: "app"}, {Key: "login", Value: "password"}}
	if at.Subject != "user-1" || at.ClientID != f.client.ClientID || !slices.Equal(at.Properties, wantProps) {
		t.Errorf("stored access token %+v", at)
	}

	// The refresh token works, and the refreshed ID token keeps sub and
	// auth_time (OIDC Core §12.2).
	refreshed := f.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}})
	if refreshed.Action != ActionOK || refreshed.Subject != "user-1" || refreshed.RefreshToken == "" || refreshed.IDToken == "" {
		t.Fatalf("refresh = %+v", refreshed)
	}
	_, claims = verify(t, publicKeys(t, f.e, f.svc), refreshed.IDToken)
	if claims["sub"] != "user-1" || claims["auth_time"] != float64(testNow.Add(time.Minute).Unix()) {
		t.Errorf("refreshed ID token claims %v", claims)
	}
}

// TestPasswordGrantWithoutOpenID issues no ID token, and no refresh token to
// a client that is not registered for refresh.
func TestPasswordGrantWithoutOpenID(t *testing.T) {
	f := newPasswordFixture(t)
	c := testClient(oauth.ClientConfidential)
	c.ClientIDAlias, c.ClientIDAliasEnabled, c.TokenAuthMethod = "norefresh", true, oauth.AuthClientSecretPost
	c.GrantTypes, c.ResponseTypes, c.RedirectURIs = []string{oauth.GrantPassword}, []string{}, nil
	created, secret, err := f.e.CreateClient(context.Background(), f.svc, c)
	if err != nil {
		t.Fatal(err)
	}
	params := url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword},
		"scope": {"profile"}, "client_id": {"norefresh"}, "client_secret": {secret}}
	r, err := f.e.Token(context.Background(), f.svc, TokenRequest{Parameters: params.Encode()})
	if err != nil || r.Action != ActionPassword || r.ClientID != created.ClientID {
		t.Fatalf("password request = %+v %v", r, err)
	}
	issued := f.issue(t, r.Ticket, "user-1")
	if issued.Action != ActionOK || issued.AccessToken == "" || issued.RefreshToken != "" || issued.IDToken != "" ||
		strings.Join(issued.Scopes, " ") != "profile" {
		t.Fatalf("TokenIssue = %+v", issued)
	}
}

func TestPasswordGrantErrors(t *testing.T) {
	f := newPasswordFixture(t)
	cases := []struct {
		name         string
		params       url.Values
		code, oauthE string
	}{
		{"no username", url.Values{"grant_type": {"password"}, "password": {pwPassword}}, "G005323", oauth.CodeInvalidRequest},
		{"empty username", url.Values{"grant_type": {"password"}, "username": {""}, "password": {pwPassword}}, "G005323", oauth.CodeInvalidRequest},
		{"no password", url.Values{"grant_type": {"password"}, "username": {pwUsername}}, "G005324", oauth.CodeInvalidRequest},
		{"empty password", url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {""}}, "G005324", oauth.CodeInvalidRequest},
		{"scope grammar", url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword}, "scope": {"a\"b"}}, "G005320", oauth.CodeInvalidScope},
		{"repeated password", url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword, "other"}}, "G005302", oauth.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.token(t, tc.params)
			wantResult(t, r, ActionBadRequest, tc.code, tc.oauthE)
			if r.Ticket != "" || r.Password != "" {
				t.Errorf("an error answer carries a ticket or the password: %+v", r)
			}
		})
	}

	strict := newPasswordFixture(t)
	strict.svc.ScopeRequired = true
	r := strict.token(t, url.Values{"grant_type": {"password"}, "username": {pwUsername}, "password": {pwPassword}, "scope": {"openid admin"}})
	wantResult(t, r, ActionBadRequest, "G005321", oauth.CodeInvalidScope)
}

func TestTokenFail(t *testing.T) {
	f := newPasswordFixture(t)
	for reason, want := range map[string]string{
		"INVALID_RESOURCE_OWNER_CREDENTIALS": oauth.CodeInvalidGrant,
		"INVALID_TARGET":                     oauth.CodeInvalidTarget,
		"UNKNOWN":                            oauth.CodeServerError,
	} {
		t.Run(reason, func(t *testing.T) {
			ticket := f.password(t, "profile").Ticket
			r := f.fail(t, ticket, reason)
			wantResult(t, r, ActionBadRequest, "G005003", want)
			var body oauth.Error
			_ = json.Unmarshal([]byte(r.ResponseContent), &body)
			if !strings.HasPrefix(body.Description, "[G005003] ") || oauth.Description(body.Description) != body.Description {
				t.Errorf("error_description %q", body.Description)
			}
			// The ticket is used up: the frontend cannot issue after failing.
			wantResult(t, f.issue(t, ticket, "user-1"), ActionBadRequest, "G005202", oauth.CodeInvalidRequest)
		})
	}

	// An unknown reason is the frontend's mistake and leaves the ticket
	// unused.
	ticket := f.password(t, "profile").Ticket
	for _, reason := range []string{"", "DENIED", "invalid_resource_owner_credentials"} {
		wantResult(t, f.fail(t, ticket, reason), ActionBadRequest, "G005206", oauth.CodeInvalidRequest)
	}
	wantResult(t, f.fail(t, ticket, "INVALID_RESOURCE_OWNER_CREDENTIALS"), ActionBadRequest, "G005003", oauth.CodeInvalidGrant)
	wantResult(t, f.fail(t, ticket, "INVALID_RESOURCE_OWNER_CREDENTIALS"), ActionBadRequest, "G005202", oauth.CodeInvalidRequest)
	wantResult(t, f.fail(t, "", "UNKNOWN"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
	wantResult(t, f.fail(t, "garbage", "UNKNOWN"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
}

func TestTokenIssueTickets(t *testing.T) {
	f := newPasswordFixture(t)
	ctx := context.Background()

	t.Run("single use", func(t *testing.T) {
		ticket := f.password(t, "profile").Ticket
		if r := f.issue(t, ticket, "user-1"); r.Action != ActionOK {
			t.Fatalf("first issue = %+v", r)
		}
		wantResult(t, f.issue(t, ticket, "user-1"), ActionBadRequest, "G005202", oauth.CodeInvalidRequest)
	})
	t.Run("concurrent issues, one winner", func(t *testing.T) {
		ticket := f.password(t, "profile").Ticket
		var wg sync.WaitGroup
		results := make([]TokenResult, 20)
		for i := range results {
			wg.Go(func() { results[i], _ = f.e.TokenIssue(ctx, f.svc, ticket, "user-1", nil) })
		}
		wg.Wait()
		won := 0
		for _, r := range results {
			if r.Action == ActionOK {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent issues won, want exactly 1", won)
		}
	})
	t.Run("unknown or missing", func(t *testing.T) {
		wantResult(t, f.issue(t, "", "user-1"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
		wantResult(t, f.issue(t, "garbage", "user-1"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
	})
	t.Run("expired", func(t *testing.T) {
		g := newPasswordFixture(t)
		ticket := g.password(t, "profile").Ticket
		g.clk.t = g.clk.t.Add(time.Duration(g.svc.TicketDuration)*time.Second + time.Second)
		wantResult(t, g.issue(t, ticket, "user-1"), ActionBadRequest, "G005203", oauth.CodeInvalidRequest)
	})
	t.Run("bad subject leaves the ticket unused", func(t *testing.T) {
		ticket := f.password(t, "profile").Ticket
		for _, subject := range []string{"", strings.Repeat("s", maxSubjectLength+1), "user\n1", "usér"} {
			wantResult(t, f.issue(t, ticket, subject), ActionBadRequest, "G005204", oauth.CodeInvalidRequest)
		}
		if r := f.issue(t, ticket, strings.Repeat("s", maxSubjectLength)); r.Action != ActionOK {
			t.Fatalf("issue after the bad subjects = %+v", r)
		}
	})
	t.Run("another service's ticket", func(t *testing.T) {
		g := newPasswordFixture(t)
		ticket := g.password(t, "profile").Ticket
		other, _ := mustCreateService(t, g.e)
		r, err := g.e.TokenIssue(ctx, other, ticket, "user-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		wantResult(t, r, ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
		if r := g.issue(t, ticket, "user-1"); r.Action != ActionOK {
			t.Errorf("the ticket must survive a try from another service: %+v", r)
		}
	})
	t.Run("client deleted since", func(t *testing.T) {
		g := newPasswordFixture(t)
		ticket := g.password(t, "profile").Ticket
		if err := g.e.DeleteClient(ctx, g.svc.APIKey, "pw"); err != nil {
			t.Fatal(err)
		}
		wantResult(t, g.issue(t, ticket, "user-1"), ActionBadRequest, "G005205", oauth.CodeInvalidRequest)
	})
	t.Run("grant switched off since", func(t *testing.T) {
		ticket := f.password(t, "profile").Ticket
		off := f.svc
		off.SupportedGrantTypes = slices.DeleteFunc(slices.Clone(off.SupportedGrantTypes), func(g string) bool { return g == oauth.GrantPassword })
		r, err := f.e.TokenIssue(ctx, off, ticket, "user-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		wantResult(t, r, ActionBadRequest, "G005304", oauth.CodeUnsupportedGrantType)
	})
}

// TestTicketKinds: a ticket of one API is refused by the other.
func TestTicketKinds(t *testing.T) {
	f := newPasswordFixture(t)
	ctx := context.Background()
	c := testClient(oauth.ClientConfidential)
	c.ClientIDAlias, c.ClientIDAliasEnabled = "web", true
	if _, _, err := f.e.CreateClient(ctx, f.svc, c); err != nil {
		t.Fatal(err)
	}
	authzTicket := func() string {
		q := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {"https://app.example.com/cb"},
			"scope": {"openid"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
		r, err := f.e.Authorization(ctx, f.svc, q.Encode())
		if err != nil || r.Ticket == "" {
			t.Fatalf("Authorization: %+v %v", r, err)
		}
		return r.Ticket
	}

	wantResult(t, f.issue(t, authzTicket(), "user-1"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)
	wantResult(t, f.fail(t, authzTicket(), "UNKNOWN"), ActionBadRequest, "G005201", oauth.CodeInvalidRequest)

	r, err := f.e.AuthorizationIssue(ctx, f.svc, AuthorizationIssue{Ticket: f.password(t, "openid").Ticket, Subject: "user-1"})
	if err != nil || r.Action != ActionBadRequest || r.ResultCode != "G004201" || r.AuthorizationCode != "" {
		t.Errorf("AuthorizationIssue with a password ticket = %+v %v", r, err)
	}
	r, err = f.e.AuthorizationFail(ctx, f.svc, f.password(t, "openid").Ticket, "DENIED", "")
	if err != nil || r.Action != ActionBadRequest || r.ResultCode != "G004201" {
		t.Errorf("AuthorizationFail with a password ticket = %+v %v", r, err)
	}
}

// TestPasswordNeverStored runs every path of the grant and checks that no
// record written to the store holds the password, and that the ticket's
// payload is what /issue needs and no more.
func TestPasswordNeverStored(t *testing.T) {
	f := newPasswordFixture(t)
	ctx := context.Background()
	issued := f.issue(t, f.password(t, "openid offline_access", store.Property{Key: "k", Value: "v"}).Ticket, "user-1")
	if issued.Action != ActionOK {
		t.Fatalf("TokenIssue = %+v", issued)
	}
	f.fail(t, f.password(t, "openid").Ticket, "INVALID_RESOURCE_OWNER_CREDENTIALS")
	f.token(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}})

	// A ticket left unused, read back through the store.
	pending := f.password(t, "openid profile", store.Property{Key: "k", Value: "v"})
	stored, err := f.st.ConsumeTicket(ctx, f.svc.APIKey, hashToken(pending.Ticket))
	if err != nil {
		t.Fatal(err)
	}
	if stored.Kind != ticketPassword || stored.Hash == pending.Ticket {
		t.Errorf("stored ticket %+v", stored)
	}
	var payload map[string]any
	if err := json.Unmarshal(stored.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range payload {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, " ") != "clientId properties scopes" {
		t.Errorf("ticket payload %s", stored.Payload)
	}

	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	if len(f.st.writes) == 0 {
		t.Fatal("the recording store saw no writes")
	}
	for _, w := range append(f.st.writes, string(stored.Payload)) {
		if strings.Contains(w, pwPassword) {
			t.Fatalf("a stored record holds the password: %s", w)
		}
		if strings.Contains(w, pwUsername) {
			t.Errorf("a stored record holds the username: %s", w)
		}
	}
}
