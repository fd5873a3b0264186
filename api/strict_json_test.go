package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestManagementJSONNamesAreExact: encoding/json would fill clientName
// from "ClientNAme"; the management API is strict, so a member whose name
// differs in case is an unknown field, at any depth.
func TestManagementJSONNamesAreExact(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	for body, field := range map[string]string{
		`{"ClientNAme":"x","clientType":"PUBLIC"}`:                                               "ClientNAme",
		`{"clientName":"x","clientType":"PUBLIC","extension":{"RequestableScopesEnabled":true}}`: "extension.RequestableScopesEnabled",
		`{"clientName":"x","clientType":"PUBLIC","clientname":"y"}`:                              "clientname",
	} {
		var out errorBody
		m.expect(m.json(http.MethodPost, "/api/client/create", key, secret, body), http.StatusBadRequest, &out)
		if len(out.FieldErrors) == 0 || out.FieldErrors[0].Field != field || !strings.Contains(out.FieldErrors[0].Message, "unknown field") {
			t.Errorf("%s → %+v, want %s named", body, out.FieldErrors, field)
		}
	}
}
