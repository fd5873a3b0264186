package gatehouse

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Each API method sends exactly the engine's request (method, path, query,
// JSON field names) and decodes the engine's answer into its typed result.
func TestAPIMethodsSendTheEngineRequests(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		call  func(*Client) (any, error)
		route string // what the engine receives
		query string
		// escaped is the path as sent, when it needs escaping.
		escaped string
		body    string // the JSON the engine receives; "" for none
		status  int
		answer  string
		want    any // the decoded answer
	}{
		{
			name: "Authorization",
			call: func(c *Client) (any, error) {
				return c.Authorization(ctx, AuthorizationRequest{Parameters: "response_type=code&client_id=app"})
			},
			route: "POST /api/auth/authorization",
			body:  `{"parameters":"response_type=code&client_id=app"}`,
			answer: `{"resultCode":"G004001","resultMessage":"[G004001] ok","action":"INTERACTION","ticket":"tk",
				"client":{"clientId":3000000001,"clientIdAliasEnabled":true,"clientIdAlias":"app","clientName":"App","clientType":"CONFIDENTIAL","applicationType":"WEB"},
				"service":{"apiKey":1001,"serviceName":"Example","issuer":"https://as.example.com"},
				"clientIdAliasUsed":true,"maxAge":0,"scopes":[{"name":"openid","description":"Sign you in"}],"claims":["email"],
				"prompts":["CONSENT"],"responseType":"CODE","redirectUri":"https://app.example.com/cb","state":"s"}`,
			want: &AuthorizationResponse{
				Result: Result{ResultCode: "G004001", ResultMessage: "[G004001] ok", Action: ActionInteraction},
				Ticket: "tk",
				Client: &RuntimeClient{ClientID: 3000000001, ClientIDAliasEnabled: true, ClientIDAlias: "app", ClientName: "App",
					ClientType: "CONFIDENTIAL", ApplicationType: "WEB"},
				Service:           &RuntimeService{APIKey: 1001, ServiceName: "Example", Issuer: "https://as.example.com"},
				ClientIDAliasUsed: true, MaxAge: Ptr(0), Scopes: []Scope{{Name: "openid", Description: "Sign you in"}},
				Claims: []string{"email"}, Prompts: []string{"CONSENT"}, ResponseType: "CODE",
				RedirectURI: "https://app.example.com/cb", State: "s",
			},
		},
		{
			name: "AuthorizationIssue",
			call: func(c *Client) (any, error) {
				return c.AuthorizationIssue(ctx, AuthorizationIssueRequest{Ticket: "tk", Subject: "alice", AuthTime: 1767225600,
					ACR: "pwd", Claims: `{"name":"Alice"}`, Scopes: []string{"openid"}, Sub: "p-1",
					Properties: []Property{{Key: "k", Value: "v", Hidden: true}}})
			},
			route: "POST /api/auth/authorization/issue",
			body: `{"ticket":"tk","subject":"alice","authTime":1767225600,"acr":"pwd","claims":"{\"name\":\"Alice\"}",
				"scopes":["openid"],"sub":"p-1","properties":[{"key":"k","value":"v","hidden":true}]}`,
			answer: `{"resultCode":"G004003","resultMessage":"m","action":"LOCATION","responseContent":"https://app.example.com/cb?code=c",
				"authorizationCode":"c"}`,
			want: &AuthorizationIssueResponse{Result: Result{ResultCode: "G004003", ResultMessage: "m", Action: ActionLocation,
				ResponseContent: "https://app.example.com/cb?code=c"}, AuthorizationCode: "c"},
		},
		{
			name: "AuthorizationIssue narrowed to no scope",
			call: func(c *Client) (any, error) {
				return c.AuthorizationIssue(ctx, AuthorizationIssueRequest{Ticket: "tk", Subject: "alice", Scopes: []string{}})
			},
			route:  "POST /api/auth/authorization/issue",
			body:   `{"ticket":"tk","subject":"alice","scopes":[]}`,
			answer: `{"resultCode":"G004003","resultMessage":"m","action":"FORM","responseContent":"<html/>"}`,
			want:   &AuthorizationIssueResponse{Result: Result{ResultCode: "G004003", ResultMessage: "m", Action: ActionForm, ResponseContent: "<html/>"}},
		},
		{
			name: "AuthorizationFail",
			call: func(c *Client) (any, error) {
				return c.AuthorizationFail(ctx, AuthorizationFailRequest{Ticket: "tk", Reason: ReasonDenied, Description: "no"})
			},
			route:  "POST /api/auth/authorization/fail",
			body:   `{"ticket":"tk","reason":"DENIED","description":"no"}`,
			answer: `{"resultCode":"G004004","resultMessage":"m","action":"LOCATION","responseContent":"https://app.example.com/cb?error=access_denied"}`,
			want: &AuthorizationFailResponse{Result{ResultCode: "G004004", ResultMessage: "m", Action: ActionLocation,
				ResponseContent: "https://app.example.com/cb?error=access_denied"}},
		},
		{
			name: "Token",
			call: func(c *Client) (any, error) {
				return c.Token(ctx, TokenRequest{Parameters: "grant_type=password&username=ada&password=pw", ClientID: "app", ClientSecret: "s",
					AccessTokenDuration: 60, RefreshTokenDuration: 120, Properties: []Property{{Key: "k", Value: "v"}}})
			},
			route: "POST /api/auth/token",
			body: `{"parameters":"grant_type=password&username=ada&password=pw","clientId":"app","clientSecret":"s",
				"accessTokenDuration":60,"refreshTokenDuration":120,"properties":[{"key":"k","value":"v"}]}`,
			answer: `{"resultCode":"G005002","resultMessage":"m","action":"PASSWORD","ticket":"pt","username":"ada","password":"pw",
				"grantType":"PASSWORD","clientId":3000000001,"scopes":["openid"]}`,
			want: &TokenResponse{Result: Result{ResultCode: "G005002", ResultMessage: "m", Action: ActionPassword},
				IssuedTokens: IssuedTokens{ClientID: 3000000001, Scopes: []string{"openid"}},
				GrantType:    "PASSWORD", Ticket: "pt", Username: "ada", Password: "pw"},
		},
		{
			name: "Token OK",
			call: func(c *Client) (any, error) {
				return c.Token(ctx, TokenRequest{Parameters: "grant_type=client_credentials"})
			},
			route: "POST /api/auth/token",
			body:  `{"parameters":"grant_type=client_credentials"}`,
			answer: `{"resultCode":"G005001","resultMessage":"m","action":"OK","responseContent":"{\"access_token\":\"at\"}",
				"accessToken":"at","accessTokenExpiresAt":1767229200000,"accessTokenDuration":3600,"refreshToken":"rt",
				"refreshTokenExpiresAt":1767229300000,"refreshTokenDuration":3700,"idToken":"it","grantType":"CLIENT_CREDENTIALS",
				"clientId":3000000001,"subject":"alice","scopes":["a","b"]}`,
			want: &TokenResponse{Result: Result{ResultCode: "G005001", ResultMessage: "m", Action: ActionOK, ResponseContent: `{"access_token":"at"}`},
				IssuedTokens: IssuedTokens{AccessToken: "at", AccessTokenExpiresAt: 1767229200000, AccessTokenDuration: 3600,
					RefreshToken: "rt", RefreshTokenExpiresAt: 1767229300000, RefreshTokenDuration: 3700, IDToken: "it",
					ClientID: 3000000001, Subject: "alice", Scopes: []string{"a", "b"}},
				GrantType: "CLIENT_CREDENTIALS"},
		},
		{
			name: "TokenIssue",
			call: func(c *Client) (any, error) {
				return c.TokenIssue(ctx, TokenIssueRequest{Ticket: "pt", Subject: "u-1"})
			},
			route:  "POST /api/auth/token/issue",
			body:   `{"ticket":"pt","subject":"u-1"}`,
			answer: `{"resultCode":"G005001","resultMessage":"m","action":"OK","responseContent":"{}","accessToken":"at","clientId":7,"subject":"u-1"}`,
			want: &TokenIssueResponse{Result: Result{ResultCode: "G005001", ResultMessage: "m", Action: ActionOK, ResponseContent: "{}"},
				IssuedTokens: IssuedTokens{AccessToken: "at", ClientID: 7, Subject: "u-1"}},
		},
		{
			name: "TokenFail",
			call: func(c *Client) (any, error) {
				return c.TokenFail(ctx, TokenFailRequest{Ticket: "pt", Reason: TokenReasonInvalidCredentials})
			},
			route:  "POST /api/auth/token/fail",
			body:   `{"ticket":"pt","reason":"INVALID_RESOURCE_OWNER_CREDENTIALS"}`,
			answer: `{"resultCode":"G005003","resultMessage":"m","action":"BAD_REQUEST","responseContent":"{\"error\":\"invalid_grant\"}"}`,
			want:   &TokenFailResponse{Result{ResultCode: "G005003", ResultMessage: "m", Action: ActionBadRequest, ResponseContent: `{"error":"invalid_grant"}`}},
		},
		{
			name: "Introspection",
			call: func(c *Client) (any, error) {
				return c.Introspection(ctx, IntrospectionRequest{Token: "at", Scopes: []string{"profile"}, Subject: "alice"})
			},
			route: "POST /api/auth/introspection",
			body:  `{"token":"at","scopes":["profile"],"subject":"alice"}`,
			answer: `{"resultCode":"G006001","resultMessage":"m","action":"OK","clientId":3000000001,"subject":"alice","scopes":["openid","profile"],
				"expiresAt":1767229200000,"existent":true,"usable":true,"sufficient":true,"refreshable":false,"properties":[{"key":"k","value":"v","hidden":false}]}`,
			want: &IntrospectionResponse{Result: Result{ResultCode: "G006001", ResultMessage: "m", Action: ActionOK},
				ClientID: 3000000001, Subject: "alice", Scopes: []string{"openid", "profile"}, ExpiresAt: 1767229200000,
				Existent: true, Usable: true, Sufficient: true, Properties: []Property{{Key: "k", Value: "v"}}},
		},
		{
			name: "StandardIntrospection",
			call: func(c *Client) (any, error) {
				return c.StandardIntrospection(ctx, StandardIntrospectionRequest{Parameters: "token=at&token_type_hint=access_token"})
			},
			route:  "POST /api/auth/introspection/standard",
			body:   `{"parameters":"token=at&token_type_hint=access_token"}`,
			answer: `{"resultCode":"G006002","resultMessage":"m","action":"OK","responseContent":"{\"active\":false}"}`,
			want:   &StandardIntrospectionResponse{Result{ResultCode: "G006002", ResultMessage: "m", Action: ActionOK, ResponseContent: `{"active":false}`}},
		},
		{
			name: "Revocation",
			call: func(c *Client) (any, error) {
				return c.Revocation(ctx, RevocationRequest{Parameters: "token=rt", ClientID: "4242", ClientSecret: "s"})
			},
			route:  "POST /api/auth/revocation",
			body:   `{"parameters":"token=rt","clientId":"4242","clientSecret":"s"}`,
			answer: `{"resultCode":"G007001","resultMessage":"m","action":"OK"}`,
			want:   &RevocationResponse{Result{ResultCode: "G007001", ResultMessage: "m", Action: ActionOK}},
		},
		{
			name:   "UserInfo",
			call:   func(c *Client) (any, error) { return c.UserInfo(ctx, UserInfoRequest{Token: "at"}) },
			route:  "POST /api/auth/userinfo",
			body:   `{"token":"at"}`,
			answer: `{"resultCode":"G008001","resultMessage":"m","action":"OK","clientId":9,"subject":"alice","scopes":["openid","email"],"claims":["email","email_verified"]}`,
			want: &UserInfoResponse{Result: Result{ResultCode: "G008001", ResultMessage: "m", Action: ActionOK},
				ClientID: 9, Subject: "alice", Scopes: []string{"openid", "email"}, Claims: []string{"email", "email_verified"}},
		},
		{
			name: "UserInfoIssue",
			call: func(c *Client) (any, error) {
				return c.UserInfoIssue(ctx, UserInfoIssueRequest{Token: "at", Claims: `{"email":"a@example.com"}`, Sub: "p"})
			},
			route:  "POST /api/auth/userinfo/issue",
			body:   `{"token":"at","claims":"{\"email\":\"a@example.com\"}","sub":"p"}`,
			answer: `{"resultCode":"G008002","resultMessage":"m","action":"JSON","responseContent":"{\"sub\":\"p\"}"}`,
			want:   &UserInfoIssueResponse{Result{ResultCode: "G008002", ResultMessage: "m", Action: ActionJSON, ResponseContent: `{"sub":"p"}`}},
		},
		{
			name:   "ServiceConfiguration",
			call:   func(c *Client) (any, error) { return c.ServiceConfiguration(ctx) },
			route:  "GET /api/service/configuration",
			answer: `{"issuer":"https://as.example.com","x_unknown":1}`,
			want:   json.RawMessage(`{"issuer":"https://as.example.com","x_unknown":1}`),
		},
		{
			name:   "ServiceJWKS",
			call:   func(c *Client) (any, error) { return c.ServiceJWKS(ctx) },
			route:  "GET /api/service/jwks/get",
			answer: `{"keys":[{"kty":"EC","kid":"k","alg":"ES256","use":"sig","crv":"P-256","x":"x","y":"y"}]}`,
			want:   json.RawMessage(`{"keys":[{"kty":"EC","kid":"k","alg":"ES256","use":"sig","crv":"P-256","x":"x","y":"y"}]}`),
		},
		{
			name:   "RotateKeys",
			call:   func(c *Client) (any, error) { return c.RotateKeys(ctx) },
			route:  "POST /api/service/keys/rotate",
			answer: `{"resultCode":"G003001","resultMessage":"m","activeKeys":[{"kid":"a","alg":"RS256"},{"kid":"b","alg":"ES256"}]}`,
			want:   &KeysRotated{ResultCode: "G003001", ResultMessage: "m", ActiveKeys: []ActiveKey{{KID: "a", Alg: "RS256"}, {KID: "b", Alg: "ES256"}}},
		},
		{
			name: "CreateService",
			call: func(c *Client) (any, error) {
				return c.CreateService(ctx, Service{ServiceName: "Example", Issuer: "https://as.example.com",
					SupportedScopes:     []Scope{{Name: "openid", Description: "Sign you in", DefaultEntry: true}},
					SupportedGrantTypes: []string{}, PKCES256Required: Ptr(false), AccessTokenDuration: Ptr[int64](60),
					TrustedJWTIssuers: []TrustedJWTIssuer{{Issuer: "https://idp.example.com", JWKSURI: "https://idp.example.com/jwks"}}})
			},
			route: "POST /api/service/create",
			body: `{"serviceName":"Example","issuer":"https://as.example.com",
				"supportedScopes":[{"name":"openid","description":"Sign you in","defaultEntry":true}],"supportedGrantTypes":[],
				"pkceS256Required":false,"accessTokenDuration":60,
				"trustedJwtIssuers":[{"issuer":"https://idp.example.com","jwksUri":"https://idp.example.com/jwks"}]}`,
			status: http.StatusCreated,
			answer: `{"apiKey":1001,"apiSecret":"sec","serviceName":"Example","issuer":"https://as.example.com","pkceS256Required":false,"createdAt":5}`,
			want: &Service{APIKey: 1001, APISecret: "sec", ServiceName: "Example", Issuer: "https://as.example.com",
				PKCES256Required: Ptr(false), CreatedAt: 5},
		},
		{
			name:   "GetService",
			call:   func(c *Client) (any, error) { return c.GetService(ctx, 1001) },
			route:  "GET /api/service/get/1001",
			answer: `{"apiKey":1001,"serviceName":"Example","issuer":"https://as.example.com"}`,
			want:   &Service{APIKey: 1001, ServiceName: "Example", Issuer: "https://as.example.com"},
		},
		{
			name:   "ListServices",
			call:   func(c *Client) (any, error) { return c.ListServices(ctx, 20, 40) },
			route:  "GET /api/service/get/list",
			query:  "end=40&start=20",
			answer: `{"start":20,"end":40,"totalCount":21,"services":[{"apiKey":1,"serviceName":"A","issuer":"https://a.example"}]}`,
			want:   &ServiceList{Start: 20, End: 40, TotalCount: 21, Services: []Service{{APIKey: 1, ServiceName: "A", Issuer: "https://a.example"}}},
		},
		{
			name: "UpdateService",
			call: func(c *Client) (any, error) {
				return c.UpdateService(ctx, 1001, Service{APIKey: 1001, ServiceName: "B", Issuer: "https://b.example"})
			},
			route:  "POST /api/service/update/1001",
			body:   `{"apiKey":1001,"serviceName":"B","issuer":"https://b.example"}`,
			answer: `{"apiKey":1001,"serviceName":"B","issuer":"https://b.example"}`,
			want:   &Service{APIKey: 1001, ServiceName: "B", Issuer: "https://b.example"},
		},
		{
			name:   "DeleteService",
			call:   func(c *Client) (any, error) { return nil, c.DeleteService(ctx, 1001) },
			route:  "DELETE /api/service/delete/1001",
			status: http.StatusNoContent,
		},
		{
			name: "CreateClient",
			call: func(c *Client) (any, error) {
				return c.CreateClient(ctx, OAuthClient{ClientName: "App", ClientType: "CONFIDENTIAL", ClientIDAlias: "app",
					RedirectURIs: []string{"https://app.example.com/cb"}, GrantTypes: []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"},
					PKCERequired: Ptr(true), Extension: &ClientExtension{RequestableScopesEnabled: true, RequestableScopes: []string{"openid"}}})
			},
			route: "POST /api/client/create",
			body: `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app","redirectUris":["https://app.example.com/cb"],
				"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN"],"pkceRequired":true,
				"extension":{"requestableScopesEnabled":true,"requestableScopes":["openid"]}}`,
			status: http.StatusCreated,
			answer: `{"clientId":3000000001,"clientSecret":"cs","clientName":"App","clientType":"CONFIDENTIAL","clientIdAliasEnabled":true,
				"extension":{"requestableScopesEnabled":false}}`,
			want: &OAuthClient{ClientID: 3000000001, ClientSecret: "cs", ClientName: "App", ClientType: "CONFIDENTIAL",
				ClientIDAliasEnabled: Ptr(true), Extension: &ClientExtension{}},
		},
		{
			name:    "GetClient by alias",
			call:    func(c *Client) (any, error) { return c.GetClient(ctx, "my app/1") },
			route:   "GET /api/client/get/my app/1",
			escaped: "/api/client/get/my%20app%2F1",
			answer:  `{"clientId":7,"clientName":"App","clientType":"PUBLIC"}`,
			want:    &OAuthClient{ClientID: 7, ClientName: "App", ClientType: "PUBLIC"},
		},
		{
			name:   "ListClients with the default end",
			call:   func(c *Client) (any, error) { return c.ListClients(ctx, 5, 0) },
			route:  "GET /api/client/get/list",
			query:  "start=5",
			answer: `{"start":5,"end":25,"totalCount":5,"clients":[]}`,
			want:   &OAuthClientList{Start: 5, End: 25, TotalCount: 5, Clients: []OAuthClient{}},
		},
		{
			name: "UpdateClient",
			call: func(c *Client) (any, error) {
				return c.UpdateClient(ctx, 7, OAuthClient{ClientID: 7, ClientName: "App", ClientType: "PUBLIC"})
			},
			route:  "POST /api/client/update/7",
			body:   `{"clientId":7,"clientName":"App","clientType":"PUBLIC"}`,
			answer: `{"clientId":7,"clientName":"App","clientType":"PUBLIC"}`,
			want:   &OAuthClient{ClientID: 7, ClientName: "App", ClientType: "PUBLIC"},
		},
		{
			name:   "DeleteClient",
			call:   func(c *Client) (any, error) { return nil, c.DeleteClient(ctx, "app") },
			route:  "DELETE /api/client/delete/app",
			status: http.StatusNoContent,
		},
		{
			name:   "RefreshClientSecret",
			call:   func(c *Client) (any, error) { return c.RefreshClientSecret(ctx, "app") },
			route:  "GET /api/client/secret/refresh/app",
			answer: `{"resultCode":"G002001","resultMessage":"m","newClientSecret":"ns"}`,
			want:   &ClientSecretRefresh{ResultCode: "G002001", ResultMessage: "m", NewClientSecret: "ns"},
		},
		{
			name: "CreateToken",
			call: func(c *Client) (any, error) {
				return c.CreateToken(ctx, TokenCreateRequest{GrantType: "AUTHORIZATION_CODE", ClientID: 7, Subject: "alice",
					Scopes: []string{"a"}, AccessTokenDuration: 60, RefreshTokenDuration: 600, Properties: []Property{{Key: "k", Value: "v"}}})
			},
			route: "POST /api/auth/token/create",
			body: `{"grantType":"AUTHORIZATION_CODE","clientId":7,"subject":"alice","scopes":["a"],"accessTokenDuration":60,
				"refreshTokenDuration":600,"properties":[{"key":"k","value":"v"}]}`,
			answer: `{"resultCode":"G009001","resultMessage":"m","action":"OK","accessToken":"at","refreshToken":"rt","clientId":7,
				"subject":"alice","scopes":["a"],"grantType":"AUTHORIZATION_CODE","expiresAt":1767229200000,"expiresIn":60,
				"refreshTokenExpiresAt":1767229800000,"tokenType":"Bearer","properties":[{"key":"k","value":"v"}]}`,
			want: &TokenCreateResponse{ResultCode: "G009001", ResultMessage: "m", Action: ActionOK, AccessToken: "at", RefreshToken: "rt",
				ClientID: 7, Subject: "alice", Scopes: []string{"a"}, GrantType: "AUTHORIZATION_CODE", ExpiresAt: 1767229200000,
				ExpiresIn: 60, RefreshTokenExpiresAt: 1767229800000, TokenType: "Bearer", Properties: []Property{{Key: "k", Value: "v"}}},
		},
		{
			name: "ListTokens",
			call: func(c *Client) (any, error) {
				return c.ListTokens(ctx, TokenListOptions{ClientIdentifier: "app", Subject: "alice & bob", Start: 0, End: 10})
			},
			route: "GET /api/auth/token/get/list",
			query: "clientIdentifier=app&end=10&subject=alice+%26+bob",
			answer: `{"start":0,"end":10,"totalCount":2,"clientId":7,"subject":"alice & bob","accessTokens":[
				{"accessTokenHash":"h1","accessTokenExpiresAt":10,"createdAt":1,"grantId":"g1","clientId":7,"subject":"alice & bob","grantType":"PASSWORD","scopes":["a"]},
				{"refreshTokenHash":"h2","refreshTokenExpiresAt":20,"createdAt":1,"clientId":7,"grantType":"PASSWORD","properties":[{"key":"k","value":"v"}]}]}`,
			want: &TokenList{Start: 0, End: 10, TotalCount: 2, ClientID: 7, Subject: "alice & bob", AccessTokens: []AccessToken{
				{AccessTokenHash: "h1", AccessTokenExpiresAt: 10, CreatedAt: 1, GrantID: "g1", ClientID: 7, Subject: "alice & bob", GrantType: "PASSWORD", Scopes: []string{"a"}},
				{RefreshTokenHash: "h2", RefreshTokenExpiresAt: 20, CreatedAt: 1, ClientID: 7, GrantType: "PASSWORD", Properties: []Property{{Key: "k", Value: "v"}}},
			}},
		},
		{
			name: "RevokeTokens",
			call: func(c *Client) (any, error) {
				return c.RevokeTokens(ctx, TokenRevokeRequest{ClientIdentifier: "app", Subject: "alice"})
			},
			route:  "POST /api/auth/token/revoke",
			body:   `{"clientIdentifier":"app","subject":"alice"}`,
			answer: `{"resultCode":"G009002","resultMessage":"m","count":3}`,
			want:   &TokenRevokeResponse{ResultCode: "G009002", ResultMessage: "m", Count: 3},
		},
		{
			name:   "DeleteToken",
			call:   func(c *Client) (any, error) { return nil, c.DeleteToken(ctx, "h1") },
			route:  "DELETE /api/auth/token/delete/h1",
			status: http.StatusNoContent,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFakeEngine(t)
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			e.reply(tc.route, status, tc.answer)
			got, err := tc.call(e.start())
			if err != nil {
				t.Fatal(err)
			}
			call := e.one(t)
			method, path, _ := strings.Cut(tc.route, " ")
			assertCall(t, call, method, path, tc.body)
			if tc.escaped != "" && call.EscapedPath != tc.escaped {
				t.Errorf("escaped path = %q, want %q", call.EscapedPath, tc.escaped)
			}
			if call.RawQuery != tc.query {
				t.Errorf("query = %q, want %q", call.RawQuery, tc.query)
			}
			if tc.want == nil {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("answer = %#v\nwant     %#v", got, tc.want)
			}
		})
	}
}

// A failed call returns no result, only the error.
func TestFailedCallsReturnNoResult(t *testing.T) {
	e := newFakeEngine(t)
	e.reply("POST /api/auth/token", http.StatusBadRequest, `{"resultCode":"G000201","resultMessage":"m"}`)
	res, err := e.start().Token(context.Background(), TokenRequest{})
	if res != nil || err == nil {
		t.Errorf("Token = %v, %v; want nil and an error", res, err)
	}
}
