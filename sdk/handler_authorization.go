package gatehouse

import "net/http"

// Interactor is the part of the authorization endpoint only the frontend
// can do: know who the end-user is. The handler of AuthorizationHandler
// hands it the requests that need the end-user; every other answer
// (errors, redirects) the handler writes itself.
//
// Both methods own the response: they render a page, or decide at once with
// Frontend.Issue or Frontend.Fail. A page that asks for login or consent
// keeps res.Ticket with the end-user's session (server side, or in a form
// protected against CSRF) and calls Issue or Fail when the end-user
// submits. The ticket is single use and expires; the subject given to
// Issue must be the end-user who just authenticated and consented.
type Interactor interface {
	// Interaction is called for action INTERACTION: authenticate the
	// end-user (exactly res.Subject when it is set) and ask for consent to
	// res.Scopes and res.Claims, honouring res.Prompts and res.MaxAge.
	Interaction(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse)
	// NoInteraction is called for action NO_INTERACTION (prompt=none):
	// render nothing. Issue if the session's end-user is logged in, within
	// res.MaxAge, matches res.Subject and has consented; else Fail with
	// ReasonLoginRequired, ReasonConsentRequired, ReasonExceedsMaxAge or
	// ReasonDifferentSubject.
	NoInteraction(w http.ResponseWriter, r *http.Request, res *AuthorizationResponse)
}

// AuthorizationHandler returns the authorization endpoint (RFC 6749 §3.1,
// OIDC Core §3.1.2.1): GET with the request in the query, or POST with it
// as a form. The request goes to the engine as it came; INTERACTION and
// NO_INTERACTION go to ui, every other action is answered with Respond
// (BAD_REQUEST is never a redirect: the engine has not validated the
// redirect URI then).
func (f *Frontend) AuthorizationHandler(ui Interactor) http.Handler {
	if ui == nil {
		panic("gatehouse: AuthorizationHandler needs an Interactor")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		params := r.URL.RawQuery
		if r.Method == http.MethodPost {
			if !isForm(r) {
				noStore(w.Header())
				write(w, http.StatusBadRequest, contentJSON, `{"error":"invalid_request","error_description":"the body must be application/x-www-form-urlencoded"}`)
				return
			}
			var ok bool
			if params, ok = f.readBody(w, r); !ok {
				return
			}
		}
		res, err := f.Client.Authorization(r.Context(), AuthorizationRequest{Parameters: params})
		if err != nil {
			f.fail(w, r, err)
			return
		}
		switch res.Action {
		case ActionInteraction:
			ui.Interaction(w, r, res)
		case ActionNoInteraction:
			ui.NoInteraction(w, r, res)
		default:
			Respond(w, res.Action, res.ResponseContent)
		}
	})
}

// Issue ends an authorization request the end-user granted: it calls
// /api/auth/authorization/issue and answers with the redirect or form_post
// page to the client (or the engine's error, e.g. for a used ticket).
// Called from the handler of a login or consent form (a POST), the
// redirect is 303 See Other, so that no browser replays the form — with
// its password — to the client (RFC 9700 §4.12).
func (f *Frontend) Issue(w http.ResponseWriter, r *http.Request, req AuthorizationIssueRequest) {
	res, err := f.Client.AuthorizationIssue(r.Context(), req)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	respondToBrowser(w, r, res.Result)
}

// respondToBrowser is Respond for an answer to the end-user's browser:
// a redirect after a POST is 303 rather than 302.
func respondToBrowser(w http.ResponseWriter, r *http.Request, res Result) {
	if res.Action == ActionLocation && r.Method == http.MethodPost {
		noStore(w.Header())
		w.Header().Set("Location", res.ResponseContent)
		w.WriteHeader(http.StatusSeeOther)
		return
	}
	Respond(w, res.Action, res.ResponseContent)
}

// Fail ends an authorization request that cannot be granted: it calls
// /api/auth/authorization/fail and answers with the error redirect or
// form_post page to the client; 303 after a POST, as Issue.
func (f *Frontend) Fail(w http.ResponseWriter, r *http.Request, req AuthorizationFailRequest) {
	res, err := f.Client.AuthorizationFail(r.Context(), req)
	if err != nil {
		f.fail(w, r, err)
		return
	}
	respondToBrowser(w, r, res.Result)
}
