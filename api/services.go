package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
)

// pathID reads a numeric identifier from the path. Anything that is not a
// positive integer names no resource: 404, like an unknown one.
func pathID(c echo.Context, name string, notFound func() error) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

func (s *server) serviceID(c echo.Context) (int64, error) {
	return pathID(c, "apiKey", func() error { return service.ServiceNotFound(c.Param("apiKey")) })
}

// bindService reads a service body: every bad field, whether found by the
// tags, the enumerations or the engine's rules, is named in one 400.
func (s *server) bindService(c echo.Context) (serviceJSON, store.Service, error) {
	var in serviceJSON
	fields, err := s.bindJSON(c, &in)
	if err != nil {
		return in, store.Service{}, err
	}
	rec, enumFields := in.record()
	if fields = append(fields, enumFields...); len(fields) > 0 {
		return in, rec, invalid(fields, service.ValidateService(rec))
	}
	return in, rec, nil
}

func (s *server) createService(c echo.Context) error {
	_, rec, err := s.bindService(c)
	if err != nil {
		return err
	}
	svc, secret, err := s.engine.CreateService(c.Request().Context(), rec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, serviceView(svc, secret))
}

func (s *server) getService(c echo.Context) error {
	id, err := s.serviceID(c)
	if err != nil {
		return err
	}
	svc, err := s.engine.GetService(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, serviceView(svc, ""))
}

func (s *server) listServices(c echo.Context) error {
	page, err := bindPage(c)
	if err != nil {
		return err
	}
	list, total, err := s.engine.ListServices(c.Request().Context(), page)
	if err != nil {
		return err
	}
	out := serviceListJSON{Start: page.Start, End: page.End, TotalCount: total, Services: make([]serviceJSON, len(list))}
	for i, svc := range list {
		out.Services[i] = serviceView(svc, "")
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) updateService(c echo.Context) error {
	id, err := s.serviceID(c)
	if err != nil {
		return err
	}
	in, rec, err := s.bindService(c)
	if err != nil {
		return err
	}
	if in.APIKey != 0 && in.APIKey != id {
		return service.InvalidFields([]service.FieldError{{Field: "apiKey", Message: "does not match the apiKey of the path"}})
	}
	svc, err := s.engine.UpdateService(c.Request().Context(), id, rec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, serviceView(svc, ""))
}

func (s *server) deleteService(c echo.Context) error {
	id, err := s.serviceID(c)
	if err != nil {
		return err
	}
	if err := s.engine.DeleteService(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
