package gatehouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// engine stands in for a Gatehouse engine in the examples: it answers each
// API path with a fixed JSON body, as the engine would.
func engine(answers map[string]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key, secret, _ := r.BasicAuth(); key != "1001" || secret != "service-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"resultCode":"G000203","resultMessage":"[G000203] missing or invalid API credentials"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answers[r.URL.Path])
	}))
}

// The action table in one call: a redirect back to the client.
func ExampleRespond() {
	rec := httptest.NewRecorder()
	gatehouse.Respond(rec, gatehouse.ActionLocation, "https://app.example.com/cb?code=Qm9u&state=af0i")
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	fmt.Println(rec.Header().Get("Cache-Control"), rec.Header().Get("Pragma"))
	// Output:
	// 302 https://app.example.com/cb?code=Qm9u&state=af0i
	// no-store no-cache
}

// A protected resource answers the engine's verdict with a Bearer
// challenge rather than a body.
func ExampleRespondBearer() {
	rec := httptest.NewRecorder()
	gatehouse.RespondBearer(rec, gatehouse.ActionForbidden, `Bearer error="insufficient_scope", scope="openid"`)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 403 Bearer error="insufficient_scope", scope="openid"
}

// A frontend serving the password grant: the engine checks the request,
// the frontend checks the credentials against its own users.
func ExampleFrontend_TokenHandler() {
	srv := engine(map[string]string{
		"/api/auth/token":       `{"resultCode":"G005002","resultMessage":"...","action":"PASSWORD","ticket":"pt","username":"ada","password":"correct horse","clientId":3000000001}`,
		"/api/auth/token/issue": `{"resultCode":"G005001","resultMessage":"...","action":"OK","responseContent":"{\"access_token\":\"Tm8g\",\"token_type\":\"Bearer\",\"expires_in\":3600}"}`,
	})
	defer srv.Close()

	fe := &gatehouse.Frontend{Client: &gatehouse.Client{BaseURL: srv.URL, Key: "1001", Secret: "service-secret"}}
	token := fe.TokenHandler(gatehouse.TokenOptions{
		CheckPassword: func(ctx context.Context, username, password string) (string, bool, error) {
			if username == "ada" && password == "correct horse" { // a real frontend asks its user store
				return "user-1234", true, nil
			}
			return "", false, nil
		},
	})

	r := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=password&username=ada&password=correct+horse"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("my-app", "client-secret")
	rec := httptest.NewRecorder()
	token.ServeHTTP(rec, r)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 application/json
	// {"access_token":"Tm8g","token_type":"Bearer","expires_in":3600}
}

// session is a frontend whose end-user is already signed in: it grants
// every request at once. A real one renders login and consent pages.
type session struct {
	fe      *gatehouse.Frontend
	subject string
}

func (s session) Interaction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	s.fe.Issue(w, r, gatehouse.AuthorizationIssueRequest{Ticket: res.Ticket, Subject: s.subject, AuthTime: 1767225600})
}

func (s session) NoInteraction(w http.ResponseWriter, r *http.Request, res *gatehouse.AuthorizationResponse) {
	s.fe.Fail(w, r, gatehouse.AuthorizationFailRequest{Ticket: res.Ticket, Reason: gatehouse.ReasonLoginRequired})
}

// The authorization endpoint hands the end-user's part to an Interactor.
func ExampleFrontend_AuthorizationHandler() {
	srv := engine(map[string]string{
		"/api/auth/authorization":       `{"resultCode":"G004001","resultMessage":"...","action":"INTERACTION","ticket":"tk","client":{"clientId":3000000001,"clientIdAliasEnabled":false,"clientName":"My App","clientType":"CONFIDENTIAL","applicationType":"WEB"}}`,
		"/api/auth/authorization/issue": `{"resultCode":"G004003","resultMessage":"...","action":"LOCATION","responseContent":"https://app.example.com/cb?code=Qm9u&state=af0i&iss=https%3A%2F%2Fas.example.com"}`,
	})
	defer srv.Close()

	fe := &gatehouse.Frontend{Client: &gatehouse.Client{BaseURL: srv.URL, Key: "1001", Secret: "service-secret"}}
	authorize := fe.AuthorizationHandler(session{fe: fe, subject: "user-1234"})

	rec := httptest.NewRecorder()
	authorize.ServeHTTP(rec, httptest.NewRequest("GET", "/authorize?response_type=code&client_id=my-app&state=af0i", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 302 https://app.example.com/cb?code=Qm9u&state=af0i&iss=https%3A%2F%2Fas.example.com
}

// A resource server admits requests with a good access token and reads
// who made them from the context.
func ExampleResourceServer_RequireToken() {
	srv := engine(map[string]string{
		"/api/auth/introspection": `{"resultCode":"G006001","resultMessage":"...","action":"OK","clientId":3000000001,"subject":"alice","scopes":["orders"],"expiresAt":4102444800000,"existent":true,"usable":true,"sufficient":true,"refreshable":false}`,
	})
	defer srv.Close()

	rs := &gatehouse.ResourceServer{Client: &gatehouse.Client{BaseURL: srv.URL, Key: "1001", Secret: "service-secret"}, Realm: "orders"}
	orders := rs.RequireToken("orders")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "orders of %s", gatehouse.SubjectFromContext(r.Context()))
	}))

	for _, auth := range []string{"Bearer pQ3d0nBvHcW9", ""} {
		r := httptest.NewRequest("GET", "/orders", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		orders.ServeHTTP(rec, r)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	}
	// Output:
	// 200  orders of alice
	// 401 Bearer realm="orders"
}

// Management calls return typed values; a failed call is an *Error with the
// engine's result code.
func ExampleClient_CreateClient() {
	srv := engine(map[string]string{
		"/api/client/create": `{"clientId":3000000001,"clientSecret":"9FnIWhj...","clientName":"My Web App","clientType":"CONFIDENTIAL","clientIdAliasEnabled":true,"clientIdAlias":"my-web-app"}`,
	})
	defer srv.Close()

	c := &gatehouse.Client{BaseURL: srv.URL, Key: "1001", Secret: "service-secret"}
	created, err := c.CreateClient(context.Background(), gatehouse.OAuthClient{
		ClientName:    "My Web App",
		ClientIDAlias: "my-web-app",
		ClientType:    "CONFIDENTIAL",
		RedirectURIs:  []string{"https://app.example.com/callback"},
		GrantTypes:    []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"},
		PKCERequired:  gatehouse.Ptr(true),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(created.ClientID, created.ClientIDAlias, created.ClientSecret != "")

	c.Secret = "wrong"
	_, err = c.GetClient(context.Background(), "my-web-app")
	var apiErr *gatehouse.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.ResultCode)
	}
	// Output:
	// 3000000001 my-web-app true
	// 401 G000203
}

// Assembling a frontend: one handler per endpoint, the user store and the
// pages supplied as callbacks.
func Example() {
	engine := &gatehouse.Client{BaseURL: "http://gatehouse:8080", Key: "1001", Secret: "service-secret"}
	fe := &gatehouse.Frontend{Client: engine, Realm: "example"}

	users := map[string]string{"ada": "correct horse"} // a real frontend has a user store
	checkPassword := func(ctx context.Context, username, password string) (string, bool, error) {
		return "user-" + username, users[username] != "" && users[username] == password, nil
	}
	claims := func(ctx context.Context, subject string, names []string) (map[string]any, error) {
		return map[string]any{"name": "Ada Lovelace", "email": "ada@example.com"}, nil
	}

	mux := http.NewServeMux()
	mux.Handle("/authorize", fe.AuthorizationHandler(session{fe: fe, subject: "user-ada"}))
	mux.Handle("/token", fe.TokenHandler(gatehouse.TokenOptions{CheckPassword: checkPassword}))
	mux.Handle("/revoke", fe.RevocationHandler())
	mux.Handle("/introspect", fe.IntrospectionHandler(gatehouse.BasicAuthenticator(map[string]string{"orders-api": "rs-secret"})))
	mux.Handle("/userinfo", fe.UserInfoHandler(claims))
	mux.Handle("/.well-known/openid-configuration", fe.DiscoveryHandler())
	mux.Handle("/jwks", fe.JWKSHandler())

	// A resource server of the same service.
	rs := &gatehouse.ResourceServer{Client: engine, Realm: "orders"}
	mux.Handle("/orders", rs.RequireToken("orders")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "orders of %s", gatehouse.SubjectFromContext(r.Context()))
	})))

	// Serve mux over TLS: http.ListenAndServeTLS(":443", "cert.pem", "key.pem", mux)
}
