package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateService implements store.ServiceStore.
func (s *Store) CreateService(_ context.Context, svc store.Service) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.APIKey]; ok {
		return fmt.Errorf("memstore: create service %d: %w", svc.APIKey, store.ErrAlreadyExists)
	}
	s.services[svc.APIKey] = cloneService(svc)
	return nil
}

// GetService implements store.ServiceStore.
func (s *Store) GetService(_ context.Context, serviceID int64) (store.Service, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	svc, ok := s.services[serviceID]
	if !ok {
		return store.Service{}, fmt.Errorf("memstore: get service %d: %w", serviceID, store.ErrNotFound)
	}
	return cloneService(svc), nil
}

// ListServices implements store.ServiceStore.
func (s *Store) ListServices(_ context.Context, p store.Page) ([]store.Service, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := make([]store.Service, 0, len(s.services))
	for _, svc := range s.services {
		all = append(all, svc)
	}
	page := listPage(all, p, func(s store.Service) time.Time { return s.CreatedAt }, func(s store.Service) int64 { return s.APIKey }, cloneService)
	return page, len(all), nil
}

// UpdateService implements store.ServiceStore.
func (s *Store) UpdateService(_ context.Context, svc store.Service) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[svc.APIKey]; !ok {
		return fmt.Errorf("memstore: update service %d: %w", svc.APIKey, store.ErrNotFound)
	}
	s.services[svc.APIKey] = cloneService(svc)
	return nil
}

// DeleteService implements store.ServiceStore: the service goes with all it owns.
func (s *Store) DeleteService(_ context.Context, serviceID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.services[serviceID]; !ok {
		return fmt.Errorf("memstore: delete service %d: %w", serviceID, store.ErrNotFound)
	}
	delete(s.services, serviceID)
	dropService(s.clients, serviceID)
	dropService(s.aliases, serviceID)
	dropService(s.tickets, serviceID)
	dropService(s.codes, serviceID)
	dropService(s.tokens, serviceID)
	dropService(s.grants, serviceID)
	dropService(s.keys, serviceID)
	dropService(s.claims, serviceID)
	return nil
}
