package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateClient implements store.ClientStore.
func (s *Store) CreateClient(_ context.Context, c store.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := clientKey{c.ServiceID, c.ClientID}
	if _, ok := s.clients[key]; ok {
		return fmt.Errorf("memstore: create client %d: %w", c.ClientID, store.ErrAlreadyExists)
	}
	if c.ClientIDAlias != "" {
		if _, ok := s.aliases[aliasKey{c.ServiceID, c.ClientIDAlias}]; ok {
			return fmt.Errorf("memstore: create client %d: alias: %w", c.ClientID, store.ErrAlreadyExists)
		}
		s.aliases[aliasKey{c.ServiceID, c.ClientIDAlias}] = c.ClientID
	}
	s.clients[key] = cloneClient(c)
	return nil
}

// GetClient implements store.ClientStore.
func (s *Store) GetClient(_ context.Context, serviceID, clientID int64) (store.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[clientKey{serviceID, clientID}]
	if !ok {
		return store.Client{}, fmt.Errorf("memstore: get client %d: %w", clientID, store.ErrNotFound)
	}
	return cloneClient(c), nil
}

// GetClientByAlias implements store.ClientStore.
func (s *Store) GetClientByAlias(_ context.Context, serviceID int64, alias string) (store.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.aliases[aliasKey{serviceID, alias}]
	if !ok {
		return store.Client{}, fmt.Errorf("memstore: get client by alias: %w", store.ErrNotFound)
	}
	return cloneClient(s.clients[clientKey{serviceID, id}]), nil
}

// ListClients implements store.ClientStore.
func (s *Store) ListClients(_ context.Context, serviceID int64, p store.Page) ([]store.Client, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []store.Client
	for k, c := range s.clients {
		if k.service == serviceID {
			all = append(all, c)
		}
	}
	page := listPage(all, p, func(c store.Client) time.Time { return c.CreatedAt }, func(c store.Client) int64 { return c.ClientID }, cloneClient)
	return page, len(all), nil
}

// UpdateClient implements store.ClientStore.
func (s *Store) UpdateClient(_ context.Context, c store.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := clientKey{c.ServiceID, c.ClientID}
	old, ok := s.clients[key]
	if !ok {
		return fmt.Errorf("memstore: update client %d: %w", c.ClientID, store.ErrNotFound)
	}
	if c.ClientIDAlias != old.ClientIDAlias {
		if c.ClientIDAlias != "" {
			if _, taken := s.aliases[aliasKey{c.ServiceID, c.ClientIDAlias}]; taken {
				return fmt.Errorf("memstore: update client %d: alias: %w", c.ClientID, store.ErrAlreadyExists)
			}
			s.aliases[aliasKey{c.ServiceID, c.ClientIDAlias}] = c.ClientID
		}
		delete(s.aliases, aliasKey{c.ServiceID, old.ClientIDAlias})
	}
	s.clients[key] = cloneClient(c)
	return nil
}

// DeleteClient implements store.ClientStore.
func (s *Store) DeleteClient(_ context.Context, serviceID, clientID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := clientKey{serviceID, clientID}
	old, ok := s.clients[key]
	if !ok {
		return fmt.Errorf("memstore: delete client %d: %w", clientID, store.ErrNotFound)
	}
	delete(s.clients, key)
	delete(s.aliases, aliasKey{serviceID, old.ClientIDAlias})
	return nil
}
