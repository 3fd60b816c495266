package config

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Setting is one configuration key as the system settings API shows it:
// a secret (a field tagged secret:"true", or a provider setting whose name
// looks like one) carries only whether it is set, never its value; URLs
// lose their credentials.
type Setting struct {
	// Key is the YAML path, e.g. "database.max_open_conns" or "sso[0].name".
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Secret bool   `json:"secret,omitempty"`
	// Set says whether a secret holds a value.
	Set bool `json:"set,omitempty"`
}

// Redacted stands for credentials removed from a URL.
const Redacted = "REDACTED"

// secretName matches the names of free-form settings (SSO providers') that
// hold credentials.
var secretName = regexp.MustCompile(`(?i)pass|secret|token|key|credential|private|cookie`)

// Settings lists every setting of c in declaration order, secrets redacted.
func (c Config) Settings() []Setting {
	var out []Setting
	walk(reflect.ValueOf(c), "", &out)
	return out
}

func walk(v reflect.Value, prefix string, out *[]Setting) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := join(prefix, name)
		fv := v.Field(i)
		if f.Tag.Get("secret") == "true" {
			*out = append(*out, Setting{Key: key, Secret: true, Set: !fv.IsZero()})
			continue
		}
		value(fv, key, out)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// value appends the setting(s) of one field.
func value(fv reflect.Value, key string, out *[]Setting) {
	switch fv.Kind() {
	case reflect.Struct:
		walk(fv, key, out)
	case reflect.Slice:
		if fv.Type().Elem().Kind() == reflect.Struct {
			for j := range fv.Len() {
				walk(fv.Index(j), fmt.Sprintf("%s[%d]", key, j), out)
			}
			return
		}
		parts := make([]string, fv.Len())
		for j := range fv.Len() {
			parts[j] = scalar(fv.Index(j))
		}
		*out = append(*out, Setting{Key: key, Value: strings.Join(parts, ", ")})
	case reflect.Map:
		keys := make([]string, 0, fv.Len())
		for _, k := range fv.MapKeys() {
			keys = append(keys, fmt.Sprint(k.Interface()))
		}
		slices.Sort(keys)
		for _, k := range keys {
			mk := join(key, k)
			mv := fv.MapIndex(reflect.ValueOf(k))
			if secretName.MatchString(k) {
				*out = append(*out, Setting{Key: mk, Secret: true, Set: !zero(mv)})
				continue
			}
			*out = append(*out, Setting{Key: mk, Value: anyValue(mv)})
		}
	default:
		*out = append(*out, Setting{Key: key, Value: scalar(fv)})
	}
}

// zero reports whether v, through any interfaces, holds nothing.
func zero(v reflect.Value) bool {
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			return true
		}
		v = v.Elem()
	}
	return v.IsZero()
}

// anyValue shows a free-form value; nested maps and lists are not shown
// (they may hold credentials under any name).
func anyValue(v reflect.Value) string {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.Struct:
		return "(structured value, not shown)"
	case reflect.Interface:
		return ""
	}
	return scalar(v)
}

func scalar(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		return d.String()
	}
	if v.Kind() == reflect.String {
		return RedactURL(v.String())
	}
	return fmt.Sprint(v.Interface())
}

// RedactURL removes the credentials of a URL: its user information and the
// values of query parameters whose names look secret. Anything that is not
// an absolute URL is returned as it is.
func RedactURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Redacted // unparsable: it may hold anything
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if secretName.MatchString(k) {
				q.Set(k, Redacted)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Summary is the overview of the effective configuration the system
// settings page opens with.
type Summary struct {
	Listen         string   `json:"listen"`
	BaseURL        string   `json:"base_url"`
	DataDir        string   `json:"data_dir"`
	TLS            string   `json:"tls"`
	Database       string   `json:"database"`
	DatabaseTarget string   `json:"database_target"`
	BlobStore      string   `json:"blob_store"`
	BlobTarget     string   `json:"blob_target"`
	Search         string   `json:"search"`
	Egress         string   `json:"egress"`
	RateLimits     string   `json:"rate_limits"`
	PluginCacheDir string   `json:"plugin_cache_dir"`
	SSO            []string `json:"sso"`
}

// Summarize describes what c selects: database and blob store kinds,
// search backend, TLS mode, egress and rate limits.
func (c Config) Summarize() Summary {
	s := Summary{Listen: c.Listen, BaseURL: c.BaseURL, DataDir: c.DataDir, TLS: "off", Database: "sqlite",
		DatabaseTarget: c.SQLitePath(), BlobStore: c.Storage.Backend, Search: "database", PluginCacheDir: c.PluginCacheDir(), SSO: []string{}}
	switch {
	case c.TLS.CertFile != "":
		s.TLS = "certificate files"
	case c.TLS.SelfSigned:
		s.TLS = "self-signed"
	case len(c.TLS.ACME.Hosts) > 0:
		s.TLS = "acme"
	}
	if c.Database.URL != "" {
		s.Database, s.DatabaseTarget = "postgres", RedactURL(c.Database.URL)
	}
	if c.Storage.Backend == "s3" {
		s.BlobTarget = "s3://" + c.Storage.S3.Bucket + "/" + c.Storage.S3.Prefix
		if c.Storage.S3.Endpoint != "" {
			s.BlobTarget += " at " + RedactURL(c.Storage.S3.Endpoint)
		}
	} else {
		s.BlobTarget = c.BlobPath()
	}
	if c.Search.Meilisearch.URL != "" {
		s.Search = "meilisearch at " + RedactURL(c.Search.Meilisearch.URL)
	}
	s.Egress = "public addresses only"
	if c.Egress.AllowPrivateNetworks {
		s.Egress = "private networks allowed"
	}
	if len(c.Egress.AllowedHosts) > 0 {
		s.Egress += "; also " + strings.Join(c.Egress.AllowedHosts, ", ")
	}
	l := c.Limit
	s.RateLimits = fmt.Sprintf("%s per IP, %s per user, %s logins, %d requests in flight",
		rate(l.PerIPRequests, l.PerIPWindow), rate(l.PerUserRequests, l.PerUserWindow), rate(l.LoginRequests, l.LoginWindow), l.MaxInFlight)
	for _, p := range c.SSO {
		state := "enabled"
		if p.Disabled {
			state = "disabled"
		}
		s.SSO = append(s.SSO, p.Kind+"/"+p.Name+" ("+state+")")
	}
	return s
}

func rate(n int, w time.Duration) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d/%s", n, w)
}
