package service

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/url"
	"strings"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// reply builds authorization responses (RFC 6749 §4.1.2, §4.2.2, OAuth 2.0
// Form Post Response Mode) to a validated redirect URI, always with the
// request's state and the issuer (RFC 9207).
type reply struct {
	redirectURI, mode, state, issuer string
}

func (e *Engine) replyTo(svc store.Service, req AuthorizationRequest) reply {
	return reply{redirectURI: req.RedirectURI, mode: req.ResponseMode, state: req.State, issuer: svc.Issuer}
}

// param is one response parameter; a slice of them keeps a stable order.
type param struct{ name, value string }

// error answers an error to the client.
func (r reply) error(res authzResult, args ...any) AuthorizationResult {
	code, msg := res.message(args...)
	out := r.send(param{"error", res.oauthError}, param{"error_description", oauth.Description(msg)})
	out.ResultCode, out.ResultMessage = code, msg
	return out
}

// send answers the given parameters plus state and iss, as LOCATION (query
// or fragment) or FORM (form_post).
func (r reply) send(params ...param) AuthorizationResult {
	if r.state != "" {
		params = append(params, param{"state", r.state})
	}
	params = append(params, param{"iss", r.issuer})
	if r.mode == oauth.ModeFormPost {
		return AuthorizationResult{Action: ActionForm, ResponseContent: formPost(r.redirectURI, params)}
	}
	var enc strings.Builder
	for i, p := range params {
		if i > 0 {
			enc.WriteByte('&')
		}
		enc.WriteString(url.QueryEscape(p.name))
		enc.WriteByte('=')
		enc.WriteString(url.QueryEscape(p.value))
	}
	loc := r.redirectURI
	switch {
	case r.mode == oauth.ModeFragment:
		loc += "#" + enc.String()
	case strings.Contains(loc, "?"):
		// Keep the registered query as it is and append ours (RFC 6749
		// §3.1.2, SECURITY A11).
		loc += "&" + enc.String()
	default:
		loc += "?" + enc.String()
	}
	return AuthorizationResult{Action: ActionLocation, ResponseContent: loc}
}

// formPostScript submits the form; it is fixed text, so the page's CSP can
// allow exactly it by hash and nothing else.
const formPostScript = `document.forms[0].submit();`

var formPostScriptHash = func() string {
	h := sha256.Sum256([]byte(formPostScript))
	return base64.StdEncoding.EncodeToString(h[:])
}()

// formPostPage escapes every value through html/template: a state of
// `"><script>` is text in an attribute, never markup (SECURITY A29).
var formPostPage = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-{{.ScriptHash}}'; base-uri 'none'">
<meta name="referrer" content="no-referrer">
<title>Submit This Form</title>
</head>
<body>
<form method="post" action="{{.Action}}">
{{range .Params}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form>
<script>{{.Script}}</script>
</body>
</html>
`))

func formPost(action string, params []param) string {
	type field struct{ Name, Value string }
	data := struct {
		Action     template.URL
		Params     []field
		ScriptHash string
		Script     template.JS
	}{Action: template.URL(action), ScriptHash: formPostScriptHash, Script: template.JS(formPostScript)}
	for _, p := range params {
		data.Params = append(data.Params, field{p.name, p.value})
	}
	var b strings.Builder
	// Executing a parsed template into a strings.Builder fails only on a
	// template bug, which the tests would show.
	_ = formPostPage.Execute(&b, data)
	return b.String()
}
