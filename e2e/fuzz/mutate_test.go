package fuzz

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// mutator changes a request the way a broken or hostile client would; it
// returns its name for the findings.
type mutator func(r *rand.Rand, q *request) string

var mutators = []mutator{
	flipBits, truncateBody, appendGarbage, spliceBody, dropBody,
	hostilePathSegment, truncatePath, hostileQuery,
	hostileHeader, hostileRange, lyingChecksum, otherMethod, anonymous,
}

// mutate applies one to three mutators and says which.
func mutate(r *rand.Rand, q *request) string {
	var names []string
	for range 1 + r.IntN(3) {
		names = append(names, mutators[r.IntN(len(mutators))](r, q))
	}
	return strings.Join(names, "+")
}

func flipBits(r *rand.Rand, q *request) string {
	if len(q.body) == 0 {
		return hostilePathSegment(r, q)
	}
	for range 1 + r.IntN(8) {
		i := r.IntN(len(q.body))
		q.body[i] ^= 1 << r.IntN(8)
	}
	return "flip-bits"
}

func truncateBody(r *rand.Rand, q *request) string {
	if len(q.body) == 0 {
		return hostileHeader(r, q)
	}
	q.body = q.body[:r.IntN(len(q.body))]
	return "truncate-body"
}

func appendGarbage(r *rand.Rand, q *request) string {
	g := make([]byte, 1+r.IntN(64))
	for i := range g {
		g[i] = byte(r.IntN(256))
	}
	if r.IntN(2) == 0 {
		clear(g) // zero padding, as after a tar or gzip stream
	}
	q.body = append(q.body, g...)
	return "append-garbage"
}

// spliceBody overwrites a run of bytes with a copy from elsewhere in the
// body (broken multipart boundaries, duplicated headers of archives).
func spliceBody(r *rand.Rand, q *request) string {
	if len(q.body) < 8 {
		return appendGarbage(r, q)
	}
	n := 1 + r.IntN(min(len(q.body)/2, 512))
	from, to := r.IntN(len(q.body)-n), r.IntN(len(q.body)-n)
	copy(q.body[to:to+n], q.body[from:from+n])
	return "splice-body"
}

func dropBody(_ *rand.Rand, q *request) string {
	q.body = nil
	return "drop-body"
}

var hostileSegments = []string{
	"%00", "..", "%2e%2e", "%2E%2E%2F", "%2f", "", ".", "%ff", "%c0%af", "%e2%80%ae", "ü", "%25",
	"~", "%20", "a%00b", "%0d%0aX-Injected:%201", "@", "!", ":", "%3Cscript%3E", "CON",
	strings.Repeat("a", 300), strings.Repeat("%41", 2000), "%", "%zz", "sha256:", "-", "@v", "@latest",
}

func hostilePathSegment(r *rand.Rand, q *request) string {
	path, query, _ := strings.Cut(q.path, "?")
	segs := strings.Split(path, "/")
	seg := hostileSegments[r.IntN(len(hostileSegments))]
	i := 1 + r.IntN(len(segs))
	switch r.IntN(3) {
	case 0: // insert
		segs = append(segs[:i], append([]string{seg}, segs[i:]...)...)
	case 1: // replace
		if i < len(segs) {
			segs[i] = seg
		} else {
			segs = append(segs, seg)
		}
	default: // append to a segment
		segs[i-1] += seg
	}
	q.path = strings.Join(segs, "/")
	if query != "" {
		q.path += "?" + query
	}
	return "path " + strconv.Quote(seg)
}

func truncatePath(r *rand.Rand, q *request) string {
	if len(q.path) > 2 {
		q.path = q.path[:1+r.IntN(len(q.path)-1)]
	}
	return "truncate-path"
}

var hostileQueries = []string{
	"last=%00", "n=-1", "n=99999999999999999999", "n=abc", "limit=0", "limit=-5", "after=%ff", "prefix=a%00b",
	"digest=sha256:zz", "digest=", "time=not-a-time", "q=%", "%=%", "a=1&a=2", "format=json", "service=%00",
	"scope=repository:::", "size=-1", "text=" + strings.Repeat("x", 3000), "tag=%20", "artifactType=%ff",
}

func hostileQuery(r *rand.Rand, q *request) string {
	extra := hostileQueries[r.IntN(len(hostileQueries))]
	if strings.Contains(q.path, "?") {
		q.path += "&" + extra
	} else {
		q.path += "?" + extra
	}
	return "query " + strconv.Quote(extra)
}

var hostileHeaders = [][2]string{
	{"Content-Type", "multipart/form-data"}, {"Content-Type", "multipart/form-data; boundary="},
	{"Content-Type", "multipart/form-data; boundary=" + strings.Repeat("b", 200)}, {"Content-Type", "application/json; charset=%%"},
	{"Content-Type", "application/vnd.docker.distribution.manifest.v1+json"}, {"Content-Type", "\x7f"},
	{"Accept", "*/*;q=x"}, {"Accept", "application/vnd.pypi.simple.v1+json, text/html;q=0.01"},
	{"Content-Encoding", "gzip"}, {"If-None-Match", "*"}, {"If-Modified-Since", "yesterday"},
	{"Authorization", "Basic %%%"}, {"Authorization", "Basic YWRtaW4AOng="}, {"Authorization", "Bearer a.b.c"},
	{"Authorization", "Bearer " + strings.Repeat("x", 5000)}, {"X-Forwarded-For", "::ffff:1.2.3.4, %00"},
	{"Npm-Otp", "\x01"}, {"X-Checksum-Sha1", "0"}, {"X-Checksum-Md5", "zz"}, {"Docker-Content-Digest", "sha256:"},
}

func hostileHeader(r *rand.Rand, q *request) string {
	h := hostileHeaders[r.IntN(len(hostileHeaders))]
	q.set(h[0], h[1])
	return "header " + h[0]
}

var hostileRanges = []string{
	"bytes=5-1", "bytes=-0", "bytes=0-", "bytes=99999999999999999999-", "bytes=a-b", "bytes=-99999999",
	"bytes=0-0," + strings.Repeat("1-1,", 300) + "2-2", "items=0-1", "bytes=", "bytes=1-2, 0-0",
}

func hostileRange(r *rand.Rand, q *request) string {
	q.set("Range", hostileRanges[r.IntN(len(hostileRanges))])
	if r.IntN(2) == 0 {
		q.method = "GET"
	}
	return "range"
}

func lyingChecksum(r *rand.Rand, q *request) string {
	q.set("X-Checksum-Sha256", sha256Hex([]byte(strconv.Itoa(r.Int()))))
	return "lying-checksum"
}

var methods = []string{"GET", "HEAD", "PUT", "POST", "PATCH", "OPTIONS"}

func otherMethod(r *rand.Rand, q *request) string {
	q.method = methods[r.IntN(len(methods))]
	return "method " + q.method
}

func anonymous(_ *rand.Rand, q *request) string {
	q.set("Authorization", "")
	return "anonymous"
}
