package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
)

// bindClient reads a client body of svc: every bad field, whether found by
// the tags, the enumerations or the engine's rules, is named in one 400.
func (s *server) bindClient(c echo.Context, svc store.Service) (store.Client, error) {
	var in clientJSON
	fields, err := s.bindJSON(c, &in)
	if err != nil {
		return store.Client{}, err
	}
	rec, enumFields := in.record()
	if fields = append(fields, enumFields...); len(fields) > 0 {
		return rec, invalid(fields, service.ValidateClient(svc, rec))
	}
	return rec, nil
}

func (s *server) createClient(c echo.Context) error {
	svc, _ := serviceOf(c)
	rec, err := s.bindClient(c, svc)
	if err != nil {
		return err
	}
	cl, secret, err := s.engine.CreateClient(c.Request().Context(), svc, rec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, clientView(cl, secret))
}

func (s *server) getClient(c echo.Context) error {
	svc, _ := serviceOf(c)
	cl, err := s.engine.GetClient(c.Request().Context(), svc.APIKey, c.Param("clientIdentifier"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, clientView(cl, ""))
}

func (s *server) listClients(c echo.Context) error {
	svc, _ := serviceOf(c)
	page, err := bindPage(c)
	if err != nil {
		return err
	}
	list, total, err := s.engine.ListClients(c.Request().Context(), svc.APIKey, page)
	if err != nil {
		return err
	}
	out := clientListJSON{Start: page.Start, End: page.End, TotalCount: total, Clients: make([]clientJSON, len(list))}
	for i, cl := range list {
		out.Clients[i] = clientView(cl, "")
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) updateClient(c echo.Context) error {
	svc, _ := serviceOf(c)
	id, err := pathID(c, "clientId", func() error { return service.ClientNotFound(c.Param("clientId")) })
	if err != nil {
		return err
	}
	rec, err := s.bindClient(c, svc)
	if err != nil {
		return err
	}
	cl, secret, err := s.engine.UpdateClient(c.Request().Context(), svc, id, rec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, clientView(cl, secret))
}

func (s *server) deleteClient(c echo.Context) error {
	svc, _ := serviceOf(c)
	if err := s.engine.DeleteClient(c.Request().Context(), svc.APIKey, c.Param("clientIdentifier")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) refreshClientSecret(c echo.Context) error {
	svc, _ := serviceOf(c)
	id, secret, err := s.engine.RefreshClientSecret(c.Request().Context(), svc.APIKey, c.Param("clientIdentifier"))
	if err != nil {
		return err
	}
	code, msg := service.SecretRefreshedResult(id)
	return c.JSON(http.StatusOK, secretRefreshJSON{ResultCode: code, ResultMessage: msg, NewClientSecret: secret})
}
