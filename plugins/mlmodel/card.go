package mlmodel

// Model cards. Three forms are read:
//   - README.md with YAML front matter, as the Hugging Face hub writes it
//     (https://huggingface.co/docs/hub/model-cards#model-card-metadata:
//     license, tags, library_name, pipeline_tag, datasets, base_model,
//     model-index[].results[].metrics[] {type, value}); the description is
//     the first paragraph of the body that is not a heading;
//   - model.json, Keeper's plain form: {name, version, license, framework,
//     tags, metrics: {name: number}, description};
//   - MLmodel, MLflow's model file (https://mlflow.org/docs/latest/models.html#storage-format:
//     flavors, model_uuid, run_id, metadata); the framework is the first
//     flavor other than python_function.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxCard bounds a model card (real ones are a few KB to a few hundred).
const maxCard = 1 << 20

// Card is a model card's metadata, stored as the version's metadata (the
// host's search reads description, tags and every other string).
type Card struct {
	Name        string             `json:"name"`
	Version     string             `json:"version"`
	License     string             `json:"license,omitempty"`
	Licenses    []string           `json:"licenses,omitempty"`
	Framework   string             `json:"framework,omitempty"`
	Task        string             `json:"pipeline_tag,omitempty"`
	Tags        []string           `json:"tags,omitempty"`
	Datasets    []string           `json:"datasets,omitempty"`
	BaseModel   string             `json:"base_model,omitempty"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	MetricsText string             `json:"metrics_text,omitempty"`
	Description string             `json:"description,omitempty"`
	CardFile    string             `json:"card"`
}

// isCard says whether a file (relative to the version) is a model card.
func isCard(rel string) bool { return rel == "README.md" || rel == "model.json" || rel == "MLmodel" }

// strs reads a YAML/JSON value that is a string or a list of strings.
func strs(v any) []string {
	switch t := v.(type) {
	case string:
		if t = strings.TrimSpace(t); t != "" {
			return []string{t}
		}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	}
	return nil
}

func str(v any) string {
	if s := strs(v); len(s) > 0 {
		return s[0]
	}
	return ""
}

func num(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}

// parseCard reads the card file rel of model/version.
func parseCard(rel string, data []byte) (*Card, error) {
	if len(data) > maxCard {
		return nil, fmt.Errorf("%s larger than %d bytes", rel, maxCard)
	}
	c := &Card{CardFile: rel, Metrics: map[string]float64{}}
	var err error
	switch rel {
	case "README.md":
		err = readmeCard(c, data)
	case "model.json":
		err = jsonCard(c, data)
	case "MLmodel":
		err = mlflowCard(c, data)
	}
	if err != nil {
		return nil, err
	}
	if c.License != "" {
		c.Licenses = []string{c.License}
	}
	keys := make([]string, 0, len(c.Metrics))
	for k := range c.Metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var mt []string
	for _, k := range keys {
		mt = append(mt, fmt.Sprintf("%s=%g", k, c.Metrics[k]))
	}
	c.MetricsText = strings.Join(mt, " ")
	if len(c.Metrics) == 0 {
		c.Metrics = nil
	}
	return c, nil
}

// yamlMap decodes YAML into a map, refusing aliases' expansion bombs by
// the card's size bound and yaml.v3's own alias limits.
func yamlMap(b []byte, what string) (map[string]any, error) {
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %v", what, err)
	}
	return m, nil
}

func readmeCard(c *Card, data []byte) error {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	body := text
	if strings.HasPrefix(text, "---\n") {
		fm, rest, ok := strings.Cut(text[4:], "\n---")
		if !ok {
			return fmt.Errorf("README.md: the front matter is not closed by ---")
		}
		body = rest
		m, err := yamlMap([]byte(fm), "README.md front matter")
		if err != nil {
			return err
		}
		c.License, c.Framework, c.Task = str(m["license"]), str(m["library_name"]), str(m["pipeline_tag"])
		c.Tags, c.Datasets, c.BaseModel = strs(m["tags"]), strs(m["datasets"]), str(m["base_model"])
		if mi, ok := m["model-index"].([]any); ok && len(mi) > 0 {
			first, _ := mi[0].(map[string]any)
			c.Name = str(first["name"])
			for _, r := range mi {
				rm, _ := r.(map[string]any)
				results, _ := rm["results"].([]any)
				for _, res := range results {
					resm, _ := res.(map[string]any)
					metrics, _ := resm["metrics"].([]any)
					for _, mm := range metrics {
						mmm, _ := mm.(map[string]any)
						if k, v := str(mmm["type"]), mmm["value"]; k != "" {
							if f, ok := num(v); ok {
								c.Metrics[k] = f
							}
						}
					}
				}
			}
		}
	}
	for _, para := range strings.Split(body, "\n\n") {
		p := strings.TrimSpace(strings.TrimPrefix(para, "-"))
		if p != "" && !strings.HasPrefix(p, "#") && !strings.HasPrefix(p, "<") {
			c.Description = clip(strings.Join(strings.Fields(p), " "), 1000)
			break
		}
	}
	return nil
}

func jsonCard(c *Card, data []byte) error {
	var m struct {
		Name        string          `json:"name"`
		Version     string          `json:"version"`
		License     string          `json:"license"`
		Framework   string          `json:"framework"`
		Tags        []string        `json:"tags"`
		Metrics     map[string]any  `json:"metrics"`
		Description string          `json:"description"`
		Datasets    json.RawMessage `json:"datasets"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&m); err != nil {
		return fmt.Errorf("model.json: invalid JSON: %v", err)
	}
	c.Name, c.Version, c.License, c.Framework, c.Tags, c.Description = m.Name, m.Version, m.License, m.Framework, m.Tags, clip(m.Description, 1000)
	for k, v := range m.Metrics {
		if f, ok := num(v); ok {
			c.Metrics[k] = f
		}
	}
	return nil
}

func mlflowCard(c *Card, data []byte) error {
	m, err := yamlMap(data, "MLmodel")
	if err != nil {
		return err
	}
	flavors, ok := m["flavors"].(map[string]any)
	if !ok || len(flavors) == 0 {
		return fmt.Errorf("MLmodel: no flavors (not an MLflow model)")
	}
	names := make([]string, 0, len(flavors))
	for k := range flavors {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "python_function" {
			c.Framework = k
			break
		}
	}
	if c.Framework == "" {
		c.Framework = "python_function"
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		c.Tags, c.License, c.Description = strs(md["tags"]), str(md["license"]), clip(str(md["description"]), 1000)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
