package app

import (
	"encoding/json"
	"net/http"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// meScope is the scope /api/me requires: it answers who the end-user is.
const meScope = "profile"

// The demo API: two resources behind RequireToken, which has the engine
// check the access token and puts what it learned in the request context.

// apiTime answers the time to any holder of a good access token.
func apiTime(now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := now().UTC()
		writeJSON(w, map[string]any{"time": t.Format(time.RFC3339), "unix": t.Unix()})
	}
}

// apiMe answers who the token is for: subject, scopes and client.
func apiMe(w http.ResponseWriter, r *http.Request) {
	info, _ := gatehouse.TokenInfoFromContext(r.Context())
	writeJSON(w, map[string]any{"subject": info.Subject, "scopes": info.Scopes, "clientId": info.ClientID})
}

func writeJSON(w http.ResponseWriter, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
