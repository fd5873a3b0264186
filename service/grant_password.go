package service

import (
	"context"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// ticketPassword is the kind of the ticket that carries a resource owner
// password credentials request from /auth/token to /auth/token/issue or
// /auth/token/fail.
const ticketPassword = "password"

// passwordTicket is what /auth/token/issue needs of the token request. It
// never holds the username or the password: those travel only in the
// PASSWORD answer, to the frontend that checks them.
type passwordTicket struct {
	ClientID   int64            `json:"clientId"`
	Scopes     []string         `json:"scopes,omitempty"`
	Properties []store.Property `json:"properties,omitempty"`
}

// grantPassword returns the resource owner password credentials grant
// (RFC 6749 §4.3) of a token request whose extra properties are
// properties. The engine has no user store: the grant checks the request,
// keeps what the tokens need under a ticket, and answers PASSWORD with the
// credentials, for the frontend to check them and call /auth/token/issue or
// /auth/token/fail (DESIGN §3). The grant is off unless the service
// supports it and the client is registered for it (SECURITY T03, RFC 9700
// §2.4), which Token checks before any grant runs.
func (e *Engine) grantPassword(properties []store.Property) grant {
	return func(ctx context.Context, svc store.Service, c store.Client, p oauth.Params) (issue, *TokenResult, error) {
		username, password := p.Get("username"), p.Get("password")
		switch {
		case username == "":
			return fail(resTokenNoUsername)
		case password == "":
			return fail(resTokenNoPassword)
		}
		// The client credentials policy, keeping openid and
		// offline_access: there is an end-user.
		scopes, bad := grantScopes(svc, c, p, true)
		if bad != nil {
			return issue{}, bad, nil
		}
		ticket, err := e.newTicket(ctx, svc, ticketPassword, passwordTicket{ClientID: c.ClientID, Scopes: scopes, Properties: properties})
		if err != nil {
			return issue{}, nil, err
		}
		code, msg := resTokenPassword.message()
		return issue{}, &TokenResult{
			Action: ActionPassword, ResultCode: code, ResultMessage: msg,
			Ticket: ticket, Username: username, Password: password,
			Scopes: scopes, ClientID: c.ClientID, GrantType: oauth.GrantPassword,
		}, nil
	}
}
