package main

import (
	"fmt"
	"io"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// The demo tenant of `go run .` (in-memory store, no seed). Its values are
// fixed so that frontend-example works with no configuration; they are public
// and must never be used outside a laptop.
const (
	demoAPIKey          = 5593494640
	demoAPISecret       = "gatehouse-demo-api-secret-not-for-production"
	demoIssuer          = "http://localhost:9000"
	demoWebClientID     = 3000000001
	demoWebClientSecret = "gatehouse-demo-web-client-secret-not-for-production"
	demoSPAClientID     = 3000000002
)

func demoSeed() service.Seed {
	svc := service.ServiceDefaults()
	svc.APIKey = demoAPIKey
	svc.ServiceName = "Gatehouse demo"
	svc.Issuer = demoIssuer
	svc.Description = "Created by `go run .` for frontend-example; in memory only."
	// frontend-example's endpoints, so that discovery publishes them.
	svc.AuthorizationEndpoint = demoIssuer + "/authorize"
	svc.TokenEndpoint = demoIssuer + "/token"
	svc.UserInfoEndpoint = demoIssuer + "/userinfo"
	svc.JWKSURI = demoIssuer + "/jwks"
	svc.RevocationEndpoint = demoIssuer + "/revoke"
	svc.IntrospectionEndpoint = demoIssuer + "/introspect"
	return service.Seed{Services: []service.SeedService{{
		Service:   svc,
		APISecret: demoAPISecret,
		Clients: []service.SeedClient{
			{
				ClientSecret: demoWebClientSecret,
				Client: store.Client{
					ClientID:             demoWebClientID,
					ClientIDAlias:        "demo-web",
					ClientIDAliasEnabled: true,
					ClientName:           "Demo Web App",
					ClientType:           oauth.ClientConfidential,
					RedirectURIs:         []string{"http://localhost:9000/callback"},
					GrantTypes:           []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials},
					TokenAuthMethod:      oauth.AuthClientSecretBasic,
				},
			},
			{
				Client: store.Client{
					ClientID:             demoSPAClientID,
					ClientIDAlias:        "demo-spa",
					ClientIDAliasEnabled: true,
					ClientName:           "Demo Single-Page App",
					ClientType:           oauth.ClientPublic,
					RedirectURIs:         []string{"http://localhost:9000/"},
					GrantTypes:           []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken},
					PKCERequired:         true,
					PKCES256Required:     true,
				},
			},
		},
	}}}
}

func printDemo(w io.Writer) {
	fmt.Fprintf(w, `Demo service (in memory; fixed, public values for frontend-example):
  apiKey:     %d
  apiSecret:  %s
  issuer:     %s
  web client: clientId %d (alias demo-web), CONFIDENTIAL, secret %s
  SPA client: clientId %d (alias demo-spa), PUBLIC, PKCE S256

`, demoAPIKey, demoAPISecret, demoIssuer, demoWebClientID, demoWebClientSecret, demoSPAClientID)
}
