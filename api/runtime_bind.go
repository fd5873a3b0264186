package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
)

// bindRuntime reads the body of a runtime API call (DESIGN §2): JSON, or
// application/x-www-form-urlencoded with the same field names and lists
// space-separated. Unlike the management API, unknown fields are ignored:
// Authlete's SDKs send fields of features Gatehouse does not have, and
// ignoring them is what Authlete does. Values of a known field must still
// have its type, so an operator-shaped object is a 400 (SECURITY D01).
func bindRuntime(c echo.Context, dst any) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEApplicationJSON:
		// Read whole into a pooled buffer, then one Unmarshal: cheaper on
		// this hot path than a Decoder, and decoded strings never alias
		// the buffer, so it can go back to the pool.
		buf := bodyBuffers.Get().(*bytes.Buffer)
		defer bodyBuffers.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(c.Request().Body); err != nil {
			return decodeError(err)
		}
		// One JSON object: `null`, an array or a scalar would decode into
		// an empty request and be judged as one.
		if body := bytes.TrimLeft(buf.Bytes(), " \t\r\n"); len(body) > 0 && body[0] != '{' {
			return service.Malformed("the body must hold exactly one JSON object")
		}
		if err := json.Unmarshal(buf.Bytes(), dst); err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) && strings.Contains(syntax.Error(), "after top-level value") {
				return service.Malformed("the body must hold exactly one JSON object")
			}
			return decodeError(err)
		}
		return nil
	case echo.MIMEApplicationForm:
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return decodeError(err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return service.Malformed("the body is not a valid form")
		}
		return bindForm(form, dst)
	default:
		return service.Malformed("Content-Type must be application/json or application/x-www-form-urlencoded")
	}
}

// bodyBuffers are the buffers runtime JSON bodies are read into; a body is
// at most runtimeBodyLimit, so a pooled buffer never grows past it.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// bindForm sets the fields of the struct dst points to from a form, by their
// JSON names: strings as they are, integers and booleans parsed, string
// lists split at spaces. A field of any other kind needs the JSON body.
func bindForm(form url.Values, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	var bad []service.FieldError
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		values, ok := form[name]
		if !ok || name == "" {
			continue
		}
		if len(values) > 1 {
			bad = append(bad, service.FieldError{Field: name, Message: "is repeated"})
			continue
		}
		if err := setField(v.Field(i), values[0]); err != nil {
			bad = append(bad, service.FieldError{Field: name, Message: err.Error()})
		}
	}
	if len(bad) > 0 {
		return service.InvalidFields(bad)
	}
	return nil
}

func setField(f reflect.Value, raw string) error {
	switch {
	case f.Kind() == reflect.String:
		f.SetString(raw)
	case f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("must be an integer")
		}
		f.SetInt(n)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("must be true or false")
		}
		f.SetBool(b)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		// An empty value is an absent list, as an absent JSON member is.
		if list := strings.Fields(raw); len(list) > 0 {
			f.Set(reflect.ValueOf(list))
		}
	default:
		return fmt.Errorf("cannot be sent in a form; send the body as JSON")
	}
	return nil
}
