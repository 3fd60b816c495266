package oci

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Error codes of the distribution spec,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
const (
	codeBlobUnknown         = "BLOB_UNKNOWN"
	codeBlobUploadInvalid   = "BLOB_UPLOAD_INVALID"
	codeBlobUploadUnknown   = "BLOB_UPLOAD_UNKNOWN"
	codeDigestInvalid       = "DIGEST_INVALID"
	codeManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
	codeManifestInvalid     = "MANIFEST_INVALID"
	codeManifestUnknown     = "MANIFEST_UNKNOWN"
	codeNameInvalid         = "NAME_INVALID"
	codeNameUnknown         = "NAME_UNKNOWN"
	codeSizeInvalid         = "SIZE_INVALID"
	codeUnauthorized        = "UNAUTHORIZED"
	codeDenied              = "DENIED"
	codeUnsupported         = "UNSUPPORTED"
	codeRangeInvalid        = "RANGE_INVALID" // not in the spec's table; used with 416
)

type errorBody struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

// ociError answers status with the spec's error JSON.
func ociError(status int, code, msg string, headers ...sdk.Header) *sdk.Response {
	b, _ := json.Marshal(errorBody{Errors: []errorItem{{Code: code, Message: msg}}})
	hs := append([]sdk.Header{{Name: "Content-Type", Value: "application/json"}}, headers...)
	return &sdk.Response{Status: status, Headers: hs, Kind: sdk.BodyBytes, Bytes: b}
}

// jsonResponse answers 200 with a JSON document.
func jsonResponse(status int, contentType string, v any, headers ...sdk.Header) *sdk.Response {
	b, err := json.Marshal(v)
	if err != nil {
		return ociError(500, codeUnsupported, "encode response: "+err.Error())
	}
	hs := append([]sdk.Header{{Name: "Content-Type", Value: contentType}}, headers...)
	return &sdk.Response{Status: status, Headers: hs, Kind: sdk.BodyBytes, Bytes: b}
}

// empty answers status without a body.
func empty(status int, headers ...sdk.Header) *sdk.Response {
	return &sdk.Response{Status: status, Headers: headers}
}
