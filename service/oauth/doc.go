// Package oauth is the wire vocabulary of OAuth 2.0 and OpenID Connect shared
// by the engine and its HTTP layer: grant types, response types, client
// authentication methods and the other enumerations, together with the
// mapping between their wire strings ("authorization_code") and the constant
// names Authlete's management API uses ("AUTHORIZATION_CODE").
//
// It is a leaf package: it imports only the standard library.
package oauth
