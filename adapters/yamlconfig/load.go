package yamlconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/keeper-registry/keeper/core/config"
)

// aliases are the short environment names scripts and packagers rely on.
var aliases = map[string]string{
	"KEEPER_ADMIN_PASSWORD": "auth.admin_password",
	"KEEPER_S3_ENDPOINT":    "storage.s3.endpoint",
	"KEEPER_S3_REGION":      "storage.s3.region",
	"KEEPER_S3_BUCKET":      "storage.s3.bucket",
	"KEEPER_S3_PREFIX":      "storage.s3.prefix",
	"KEEPER_S3_ACCESS_KEY":  "storage.s3.access_key",
	"KEEPER_S3_SECRET_KEY":  "storage.s3.secret_key",
	"KEEPER_S3_PATH_STYLE":  "storage.s3.path_style",
}

// Load builds the configuration: defaults, then the YAML file (if path is not
// empty), then environment variables from env (KEEPER_SECTION_KEY, e.g.
// KEEPER_STORAGE_S3_BUCKET, plus the aliases above), then overrides (dotted
// keys, from flags). The result is validated.
func Load(path string, env []string, overrides map[string]string) (config.Config, error) {
	cfg := config.Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	keys := fieldKeys(reflect.TypeOf(cfg), "")
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "KEEPER_") {
			continue
		}
		key, known := aliases[name]
		if !known {
			key, known = keys[strings.ToLower(strings.TrimPrefix(name, "KEEPER_"))]
		}
		if !known {
			continue // KEEPER_TEST_* and other tools' variables are not ours
		}
		if err := set(&cfg, key, value); err != nil {
			return cfg, fmt.Errorf("config: %s: %w", name, err)
		}
	}
	for key, value := range overrides {
		if err := set(&cfg, key, value); err != nil {
			return cfg, fmt.Errorf("config: %s: %w", key, err)
		}
	}
	return cfg, cfg.Validate()
}

// fieldKeys maps "storage_s3_bucket" → "storage.s3.bucket" for every leaf.
func fieldKeys(t reflect.Type, prefix string) map[string]string {
	out := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			for k, v := range fieldKeys(f.Type, key) {
				out[k] = v
			}
			continue
		}
		out[strings.ReplaceAll(key, ".", "_")] = key
	}
	return out
}

// set assigns value to the dotted key of cfg, parsing it for the field's type.
func set(cfg *config.Config, key, value string) error {
	v := reflect.ValueOf(cfg).Elem()
	for _, part := range strings.Split(key, ".") {
		found := false
		for i := 0; i < v.NumField(); i++ {
			if strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0] == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return fmt.Errorf("unknown setting %q", key)
		}
	}
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s or 15m", value)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(value)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf(strings.Split(value, ",")).Convert(v.Type())) // "a,b" for lists of names
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%q is not true or false", value)
		}
		v.SetBool(b)
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", value)
		}
		v.SetInt(n)
	case v.Kind() >= reflect.Uint && v.Kind() <= reflect.Uint64:
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole non-negative number", value)
		}
		v.SetUint(n)
	default:
		return fmt.Errorf("setting %q cannot be set from text", key)
	}
	return nil
}
