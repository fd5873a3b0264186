package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// boolQuery reads an optional true/false query parameter.
func boolQuery(c echo.Context, name string) (bool, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, service.InvalidQuery([]service.FieldError{{Field: name, Message: "must be true or false"}})
	}
	return v, nil
}

// document answers a JSON document the frontend republishes as it is,
// indented when the caller asks for pretty=true.
func document(c echo.Context, body []byte) error {
	pretty, err := boolQuery(c, "pretty")
	if err != nil {
		return err
	}
	if pretty {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err != nil {
			return service.Internal(err)
		}
		body = buf.Bytes()
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

// configuration answers the service's discovery document (OIDC Discovery
// §3, RFC 8414 §2).
func (s *server) configuration(c echo.Context) error {
	svc, _ := serviceOf(c)
	body, err := json.Marshal(service.Discovery(svc))
	if err != nil {
		return service.Internal(err)
	}
	return document(c, body)
}

// jwks answers the service's public JWK Set. includePrivateKeys exists in
// Authlete's API; Gatehouse refuses it: private keys never leave the engine.
func (s *server) jwks(c echo.Context) error {
	svc, _ := serviceOf(c)
	private, err := boolQuery(c, "includePrivateKeys")
	if err != nil {
		return err
	}
	if private {
		return service.PrivateKeysRefused()
	}
	body, err := s.engine.JWKS(c.Request().Context(), svc)
	if err != nil {
		return err
	}
	return document(c, body)
}

// keyJSON names one active key in the answer of a rotation.
type keyJSON struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
}

type rotateJSON struct {
	ResultCode    string    `json:"resultCode"`
	ResultMessage string    `json:"resultMessage"`
	ActiveKeys    []keyJSON `json:"activeKeys"`
}

// rotateKeys makes new signing keys active for the service.
func (s *server) rotateKeys(c echo.Context) error {
	svc, _ := serviceOf(c)
	active, err := s.engine.RotateKeys(c.Request().Context(), svc)
	if err != nil {
		return err
	}
	out := rotateJSON{ActiveKeys: make([]keyJSON, len(active))}
	out.ResultCode, out.ResultMessage = service.KeysRotatedResult(svc)
	for i, k := range active {
		out.ActiveKeys[i] = keyJSON{KID: k.KID, Alg: k.Alg}
	}
	return c.JSON(http.StatusOK, out)
}
