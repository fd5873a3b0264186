package api

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
)

// adminCredentials holds the operator's key and secret as hashes, so that the
// comparison is constant-time whatever the lengths of what is presented.
type adminCredentials struct {
	key, secret [sha256.Size]byte
	enabled     bool
}

func newAdminCredentials(key, secret string) adminCredentials {
	return adminCredentials{
		key:     sha256.Sum256([]byte(key)),
		secret:  sha256.Sum256([]byte(secret)),
		enabled: key != "" && secret != "",
	}
}

func (a adminCredentials) match(key, secret string) bool {
	k, s := sha256.Sum256([]byte(key)), sha256.Sum256([]byte(secret))
	keyOK := subtle.ConstantTimeCompare(a.key[:], k[:])
	secretOK := subtle.ConstantTimeCompare(a.secret[:], s[:])
	return a.enabled && keyOK&secretOK == 1
}

// requireAdmin lets only the operator through (DESIGN §1).
func (s *server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, secret, ok := c.Request().BasicAuth()
		if !ok || !s.admin.match(key, secret) {
			return service.Unauthorized()
		}
		return next(c)
	}
}

// requireService authenticates a service by its API key and secret and puts
// it on the context. Every handler behind it acts for that service only.
func (s *server) requireService(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key, secret, ok := c.Request().BasicAuth()
		if !ok {
			return service.Unauthorized()
		}
		svc, err := s.engine.AuthenticateService(c.Request().Context(), key, secret)
		if err != nil {
			return err
		}
		c.Set(ctxService, svc)
		return next(c)
	}
}

// serviceOf returns the authenticated service of a request.
func serviceOf(c echo.Context) (store.Service, bool) {
	svc, ok := c.Get(ctxService).(store.Service)
	return svc, ok
}
