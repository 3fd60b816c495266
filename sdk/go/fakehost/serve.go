package fakehost

import (
	"encoding/json"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

// Serve answers req with p the way the real host does around a call: an
// error becomes its status with the body {"error": message} (500 for an
// error that is no *sdk.Error) and the staged writes are discarded; a
// response below 400 commits them, unless a staged file would replace a
// stored path without Overwrite, which answers 409 and commits nothing; a
// response of 400 or more discards them.
func Serve(p sdk.Plugin, h *Host, req *sdk.Request) *sdk.Response {
	resp, err := sdk.CallHandle(p, h, req)
	if err != nil {
		h.Discard()
		pe := sdk.AsError(err)
		return errorResponse(pe.Status, pe.Message)
	}
	if resp.Status == 0 {
		resp.Status = 200
	}
	if resp.Status >= 400 {
		h.Discard()
		return resp
	}
	for _, f := range h.StagedFiles {
		if _, exists := h.Files[f.Path]; exists && !f.Overwrite {
			h.Discard()
			return errorResponse(409, "path "+f.Path+" already exists")
		}
	}
	h.Commit()
	return resp
}

func errorResponse(status int, msg string) *sdk.Response {
	if status < 400 || status > 599 {
		status = 500
	}
	b, _ := json.Marshal(map[string]string{"error": msg})
	return &sdk.Response{Status: status, Kind: sdk.BodyBytes, Bytes: b,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}
}
