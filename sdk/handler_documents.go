package gatehouse

import (
	"context"
	"encoding/json"
	"net/http"
)

// DiscoveryHandler returns /.well-known/openid-configuration (OIDC
// Discovery §4, RFC 8414 §3): the service's document as the engine renders
// it. It is fetched on every request rather than cached, so that a change
// of the service's settings is published at once; the engine serves it
// from the service it already loaded to authenticate the call.
func (f *Frontend) DiscoveryHandler() http.Handler {
	return f.document((*Client).ServiceConfiguration)
}

// JWKSHandler returns the service's public JWK Set, for the jwks_uri of the
// discovery document. It is fetched on every request, so that a key
// rotation is published at once.
func (f *Frontend) JWKSHandler() http.Handler {
	return f.document((*Client).ServiceJWKS)
}

func (f *Frontend) document(fetch func(*Client, context.Context) (json.RawMessage, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		doc, err := fetch(f.Client, r.Context())
		if err != nil {
			f.fail(w, r, err)
			return
		}
		noStore(w.Header())
		write(w, http.StatusOK, contentJSON, string(doc))
	})
}
