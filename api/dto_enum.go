package api

import (
	"fmt"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/service/oauth"
)

// enumDecoder converts management constant names to wire strings,
// collecting a field error for every name it does not know.
type enumDecoder struct {
	fields []service.FieldError
}

// list converts a list of names; nil stays nil (meaning "use the default").
func (d *enumDecoder) list(field string, names []string, v oauth.Vocabulary) []string {
	if names == nil {
		return nil
	}
	out := make([]string, 0, len(names))
	for i, n := range names {
		out = append(out, d.one(fmt.Sprintf("%s[%d]", field, i), n, v))
	}
	return out
}

// one converts a single name; "" stays "" (meaning "use the default").
func (d *enumDecoder) one(field, name string, v oauth.Vocabulary) string {
	if name == "" {
		return ""
	}
	w, ok := v.Wire(name)
	if !ok {
		d.fields = append(d.fields, service.FieldError{Field: field, Message: fmt.Sprintf("unknown value %q; one of %v", name, v.Names())})
	}
	return w
}

// names converts wire strings to management constant names.
func names(wires []string, v oauth.Vocabulary) []string {
	out := make([]string, len(wires))
	for i, w := range wires {
		out[i] = v.Name(w)
	}
	return out
}

// ptr returns a pointer to v, for response fields that are optional in requests.
func ptr[T any](v T) *T { return &v }

// listOr returns list, or def when the caller left the list out (nil); an
// empty list given on purpose stays empty.
func listOr(list, def []string) []string {
	if list == nil {
		return def
	}
	return list
}

// orDefault returns *p, or def when the caller left the field out.
func orDefault[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
