package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
)

// newValidator returns a validator that names fields by their JSON names, so
// that a 400 speaks the caller's language ("redirectUris[0]").
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}

// bindJSON decodes a management request body into dst strictly: JSON only,
// one object, no unknown fields, every value of the declared type — so a
// `{"$ne": ""}` where a string belongs is a 400, never a query operator
// (SECURITY D01). It returns the fields that break dst's validate tags; the
// caller adds the engine's own findings so that one 400 names them all.
func (s *server) bindJSON(c echo.Context, dst any) ([]service.FieldError, error) {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return nil, service.Malformed("Content-Type must be application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, service.Malformed("the body must hold exactly one JSON object")
	}
	// encoding/json matches member names without regard to case, so
	// "ClientNAme" would fill clientName and two spellings of one field
	// would race: names must be exact (the body decoded, so it is valid).
	var raw any
	_ = json.Unmarshal(body, &raw)
	if bad := inexactNames(raw, reflect.TypeOf(dst), ""); len(bad) > 0 {
		return nil, service.InvalidFields(bad)
	}
	return s.tagProblems(dst)
}

// inexactNames lists the object members of v whose names are not, to the
// letter, the JSON name of a field of t (a struct, or a pointer, slice or
// map leading to one).
func inexactNames(v any, t reflect.Type, path string) []service.FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var bad []service.FieldError
	switch v := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		fields := jsonFields(t)
		for name, member := range v {
			f, ok := fields[name]
			if !ok {
				bad = append(bad, service.FieldError{Field: path + name, Message: "unknown field"})
				continue
			}
			bad = append(bad, inexactNames(member, f.Type, path+name+".")...)
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return nil
		}
		for i, e := range v {
			bad = append(bad, inexactNames(e, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i))...)
		}
	}
	slices.SortFunc(bad, func(a, b service.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return bad
}

// jsonFields are the fields of struct t by JSON name, embedded structs'
// included.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range jsonFields(ft) {
				out[k] = v
			}
		case name == "":
			out[f.Name] = f
		default:
			out[name] = f
		}
	}
	return out
}

// decodeError explains why a body could not be decoded, naming the field
// where the decoder knows it.
func decodeError(err error) error {
	var (
		typeErr  *json.UnmarshalTypeError
		syntax   *json.SyntaxError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return service.TooLarge(tooLarge.Limit)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return service.InvalidFields([]service.FieldError{{
			Field: typeErr.Field, Message: fmt.Sprintf("must be of type %s, not a JSON %s", jsonType(typeErr.Type), typeErr.Value),
		}})
	case errors.As(err, &syntax), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return service.Malformed("the body is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return service.InvalidFields([]service.FieldError{{Field: field, Message: "unknown field"}})
	default:
		return service.Malformed("the body is not a valid JSON object")
	}
}

// jsonType names a Go type the way a JSON caller thinks of it.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "object"
	}
}

// tagProblems checks v against its validate tags and returns the failures
// as field errors.
func (s *server) tagProblems(v any) ([]service.FieldError, error) {
	return tagProblems(s.validate, v)
}

func tagProblems(validate *validator.Validate, v any) ([]service.FieldError, error) {
	err := validate.Struct(v)
	var verrs validator.ValidationErrors
	switch {
	case err == nil:
		return nil, nil
	case !errors.As(err, &verrs):
		return nil, service.Internal(fmt.Errorf("validate: %w", err))
	}
	fields := make([]service.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		// The namespace starts with the Go type name: drop it.
		_, field, _ := strings.Cut(fe.Namespace(), ".")
		fields = append(fields, service.FieldError{Field: field, Message: ruleMessage(fe)})
	}
	return fields, nil
}

// invalid answers a body with bad fields: those found at the edge (tags,
// enumerations) and the engine's findings on the other fields. A field the
// edge already rejected is not judged again: the engine saw a placeholder.
func invalid(edge, engine []service.FieldError) error {
	all := slices.Clone(edge)
	for _, f := range engine {
		if !slices.ContainsFunc(edge, func(e service.FieldError) bool { return e.Field == f.Field }) {
			all = append(all, f)
		}
	}
	return service.InvalidFields(all)
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if fe.Kind() == reflect.Slice {
			return "at most " + fe.Param() + " entries"
		}
		return "at most " + fe.Param() + " characters"
	case "min":
		return "at least " + fe.Param()
	case "email":
		return "must be an email address"
	default:
		return "fails rule " + fe.Tag()
	}
}

// Page sizes of listings.
const (
	defaultPageSize = 20
	maxPageSize     = 1000
)

// maxPageStart bounds start, so that start+maxPageSize cannot overflow.
const maxPageStart = 1 << 30

// bindPage reads the start and end query parameters of a listing: the
// half-open range [start, end), at most maxPageSize long.
func bindPage(c echo.Context) (store.Page, error) {
	var fields []service.FieldError
	num := func(name string, def int) int {
		raw := c.QueryParam(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > maxPageStart+maxPageSize {
			fields = append(fields, service.FieldError{Field: name, Message: fmt.Sprintf("must be an integer from 0 to %d", maxPageStart+maxPageSize)})
			return 0
		}
		return n
	}
	start := num("start", 0)
	end := num("end", start+defaultPageSize)
	if len(fields) == 0 && (end < start || end-start > maxPageSize) {
		fields = append(fields, service.FieldError{Field: "end", Message: fmt.Sprintf("must be at least start and at most start+%d", maxPageSize)})
	}
	if len(fields) > 0 {
		return store.Page{}, service.InvalidQuery(fields)
	}
	return store.Page{Start: start, End: end}, nil
}
