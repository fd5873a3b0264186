package api

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/gatehouse-oss/gatehouse/service"
)

// seedJSON is the GATEHOUSE_SEED file: services in management JSON (or the
// same in YAML), each with the API key and secret its frontend is configured
// with, and its clients with their IDs and secrets.
type seedJSON struct {
	Services []seedServiceJSON `json:"services" validate:"dive"`
}

type seedServiceJSON struct {
	serviceJSON
	Clients []clientJSON `json:"clients" validate:"dive"`
}

// DecodeSeed reads a seed file, JSON or YAML, as strictly as a management
// request: unknown fields and values of the wrong type are errors.
func DecodeSeed(data []byte) (service.Seed, error) {
	raw, err := yaml.YAMLToJSON(data) // JSON is YAML: this accepts both
	if err != nil {
		return service.Seed{}, fmt.Errorf("seed: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in seedJSON
	if err := dec.Decode(&in); err != nil {
		return service.Seed{}, fmt.Errorf("seed: %w", decodeError(err))
	}
	fields, err := tagProblems(newValidator(), in)
	if err != nil {
		return service.Seed{}, err
	}
	if len(fields) > 0 {
		return service.Seed{}, fmt.Errorf("seed: %w", service.InvalidFields(fields))
	}
	var seed service.Seed
	for i, sj := range in.Services {
		ss := service.SeedService{APISecret: sj.APISecret}
		sj.APISecret = ""
		var bad []service.FieldError
		if ss.Service, bad = sj.record(); len(bad) > 0 {
			return service.Seed{}, fmt.Errorf("seed: service #%d: %w", i, service.InvalidFields(bad))
		}
		ss.Service.APIKey = sj.APIKey
		for j, cj := range sj.Clients {
			sc := service.SeedClient{ClientSecret: cj.ClientSecret}
			cj.ClientSecret = ""
			if sc.Client, bad = cj.record(); len(bad) > 0 {
				return service.Seed{}, fmt.Errorf("seed: service #%d: client #%d: %w", i, j, service.InvalidFields(bad))
			}
			ss.Clients = append(ss.Clients, sc)
		}
		seed.Services = append(seed.Services, ss)
	}
	return seed, nil
}
