package app

import (
	"context"

	"golang.org/x/crypto/bcrypt"
)

// user is an end-user of the demo: a login, a bcrypt hash of the password,
// and the OpenID Connect standard claims (OIDC Core §5.1) the frontend may
// release about them.
type user struct {
	subject  string
	username string
	hash     []byte
	claims   map[string]any
}

// userStore is the demo's user database: two fixed users, john/john and
// jane/jane. A real frontend keeps its own; the engine never sees a
// password.
type userStore struct {
	byName map[string]*user
}

// dummyHash is compared against when the username is unknown, so that an
// unknown user costs as much time as a wrong password.
var dummyHash = []byte("$2a$10$HVbWTY8AmpUGaiZtJPZwsuydNqMutI.xTilvDJul2eYimgoonSxMC")

func newUserStore() *userStore {
	users := []*user{
		{
			subject: "john", username: "john",
			hash: []byte("$2a$10$NuSb10D1YXfWk.6jm0MuHO2u2ZS20HC9ZSwlWuoCjNKWo.yumofoe"), // "john"
			claims: map[string]any{
				"name": "John Smith", "given_name": "John", "family_name": "Smith",
				"preferred_username": "john", "nickname": "Johnny",
				"website": "https://john.example.com", "locale": "en-GB", "zoneinfo": "Europe/London",
				"birthdate": "1985-04-12", "updated_at": 1767225600,
				"email": "john@example.com", "email_verified": true,
				"phone_number": "+44 20 7946 0000", "phone_number_verified": false,
				"address": map[string]any{
					"formatted":      "10 Downing Lane\nLondon SW1A 2AA\nUnited Kingdom",
					"street_address": "10 Downing Lane", "locality": "London",
					"postal_code": "SW1A 2AA", "country": "GB",
				},
			},
		},
		{
			subject: "jane", username: "jane",
			hash: []byte("$2a$10$LZGRDixRVvTI7ZCcUjPuvOQd9hwmkjjhbfBjWYiyssmsBLR2lRTqS"), // "jane"
			claims: map[string]any{
				"name": "Jane Doe", "given_name": "Jane", "family_name": "Doe",
				"preferred_username": "jane", "locale": "en-US", "zoneinfo": "America/New_York",
				"updated_at": 1767225600,
				"email":      "jane@example.org", "email_verified": false,
				"address": map[string]any{
					"formatted":      "1 Main Street\nSpringfield, IL 62701\nUSA",
					"street_address": "1 Main Street", "locality": "Springfield", "region": "IL",
					"postal_code": "62701", "country": "US",
				},
			},
		},
	}
	s := &userStore{byName: map[string]*user{}}
	for _, u := range users {
		s.byName[u.username] = u
	}
	return s
}

// authenticate returns the user whose username and password these are.
func (s *userStore) authenticate(username, password string) (*user, bool) {
	u, found := s.byName[username]
	hash := dummyHash
	if found {
		hash = u.hash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !found {
		return nil, false
	}
	return u, true
}

// bySubject returns the user with this subject.
func (s *userStore) bySubject(subject string) (*user, bool) {
	for _, u := range s.byName {
		if u.subject == subject {
			return u, true
		}
	}
	return nil, false
}

// checkPassword is the token endpoint's check for the password grant
// (gatehouse.TokenOptions.CheckPassword), which the engine refuses unless
// the service enables it.
func (s *userStore) checkPassword(_ context.Context, username, password string) (string, bool, error) {
	u, ok := s.authenticate(username, password)
	if !ok {
		return "", false, nil
	}
	return u.subject, true, nil
}

// claims returns the subject's claims among names: for the UserInfo endpoint
// (gatehouse.ClaimsFunc) and for the ID token at issue.
func (s *userStore) claims(_ context.Context, subject string, names []string) (map[string]any, error) {
	u, ok := s.bySubject(subject)
	if !ok {
		return nil, nil
	}
	out := make(map[string]any, len(names))
	for _, n := range names {
		if v, ok := u.claims[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// displayName is how the pages greet the user.
func (u *user) displayName() string {
	if n, ok := u.claims["name"].(string); ok {
		return n
	}
	return u.username
}
