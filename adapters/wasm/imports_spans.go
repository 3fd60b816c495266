package wasm

import (
	"context"
	"errors"

	"github.com/keeper-registry/keeper/sdk/go/hostjson"
)

// hostless are the imports that also work in calls without host services
// (rewrite and merge): they read only what the guest passes or what the
// call built.
var hostless = map[string]bool{"json-spans": true, "json-edit": true}

// maxGetFiles bounds the paths of one get-files call.
const maxGetFiles = 1000

var errTooManyPaths = errors.New("get-files: too many paths")

// JsonSpans is the json-spans import of contract 0.7.0: the spans of the
// values at member paths of a JSON document, found natively (package
// hostjson, which the SDK's native path runs too). A blob source is read
// whole, at most hostjson.MaxSpanInput bytes.
func (cs *callState) JsonSpans(ctx context.Context, src wSource, paths [][]string) (wJsonMatches, error) {
	doc, err := cs.readSource(ctx, src, min(cs.lim.maxBody, hostjson.MaxSpanInput))
	if err != nil {
		return wJsonMatches{}, err
	}
	spans, err := hostjson.Spans(doc, paths)
	return wJsonMatches{Spans: spans}, err
}

// GetFiles is the get-files import of contract 0.7.0: the stored files at
// paths, in their order, absent ones left out.
func (cs *callState) GetFiles(ctx context.Context, paths []string) ([]wFile, error) {
	if len(paths) > maxGetFiles {
		return nil, errTooManyPaths
	}
	out := make([]wFile, 0, len(paths))
	for _, p := range paths {
		f, err := cs.host.GetFile(ctx, p)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, toFile(&f))
	}
	return out, nil
}
