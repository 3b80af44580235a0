// Command k8s-schemas turns the OpenAPI v3 documents that Kubernetes publishes with each release
// (api/openapi-spec/v3 in the k8s.io/kubernetes Go module: the apiserver's own
// /openapi/v3/<group-version> answers) into the JSON schema files kubeconform reads, one per kind,
// laid out as kubeconform's default registry is:
//
//	<out>/<kind>[-<group>]-<version>.json
//
// Each file is standalone: the kind's schema plus every schema it refers to under $defs (refs are
// kept, not expanded, so recursive types stay finite). "Strict", as openapi2jsonschema --strict
// makes them: every object schema that lists its properties refuses others
// (additionalProperties: false) unless Kubernetes marks it x-kubernetes-preserve-unknown-fields.
// OpenAPI's `nullable: true` becomes JSON schema's "or null". Nothing else is changed: types,
// formats, enums, required fields and int-or-string/quantity unions are the spec's own.
//
// Usage: k8s-schemas -out DIR SPEC.json...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const refPrefix = "#/components/schemas/"

type document struct {
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
}

type gvk struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

func main() {
	out := flag.String("out", "", "directory to write the schemas into")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: k8s-schemas -out DIR SPEC.json...")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	written := 0
	for _, path := range flag.Args() {
		n, err := convert(path, *out)
		if err != nil {
			fail(fmt.Errorf("%s: %w", path, err))
		}
		written += n
	}
	fmt.Printf("k8s-schemas: %d kinds written to %s\n", written, *out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "k8s-schemas:", err)
	os.Exit(1)
}

func convert(path, out string) (int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, err
	}
	schemas := doc.Components.Schemas
	written := 0
	for name, schema := range schemas {
		kinds, err := kindsOf(schema)
		if err != nil {
			return written, fmt.Errorf("%s: %w", name, err)
		}
		for _, k := range kinds {
			file := filepath.Join(out, fileName(k))
			if _, err := os.Stat(file); err == nil {
				continue // the same kind published by another group-version document
			}
			standalone, err := standaloneSchema(name, schemas)
			if err != nil {
				return written, err
			}
			body, err := json.MarshalIndent(standalone, "", "  ")
			if err != nil {
				return written, err
			}
			if err := os.WriteFile(file, append(body, '\n'), 0o644); err != nil {
				return written, err
			}
			written++
		}
	}
	return written, nil
}

func kindsOf(schema any) ([]gvk, error) {
	object, ok := schema.(map[string]any)
	if !ok {
		return nil, nil
	}
	listed, ok := object["x-kubernetes-group-version-kind"]
	if !ok {
		return nil, nil
	}
	raw, err := json.Marshal(listed)
	if err != nil {
		return nil, err
	}
	var kinds []gvk
	return kinds, json.Unmarshal(raw, &kinds)
}

// fileName follows kubeconform's default template: {{ .ResourceKind }}{{ .KindSuffix }}.json, the
// kind in lower case, then the first label of the group (none for the core group) and the version.
func fileName(k gvk) string {
	suffix := "-" + strings.ToLower(k.Version)
	if k.Group != "" {
		suffix = "-" + strings.ToLower(strings.Split(k.Group, ".")[0]) + suffix
	}
	return strings.ToLower(k.Kind) + suffix + ".json"
}

// standaloneSchema is the named schema with every schema it reaches under $defs.
func standaloneSchema(name string, schemas map[string]any) (map[string]any, error) {
	defs := map[string]any{}
	pending := []string{name}
	for len(pending) > 0 {
		next := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if _, done := defs[next]; done {
			continue
		}
		schema, ok := schemas[next]
		if !ok {
			return nil, fmt.Errorf("%s refers to %s, which the document does not define", name, next)
		}
		converted := rewrite(schema, func(ref string) { pending = append(pending, ref) })
		defs[next] = converted
	}
	root, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an object schema", name)
	}
	standalone := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema"}
	for key, value := range root {
		standalone[key] = value
	}
	delete(defs, name)
	if len(defs) > 0 {
		standalone["$defs"] = defs
	}
	// The root may refer to itself through a cycle; point such refs at the document root.
	return rewriteSelf(standalone, name).(map[string]any), nil
}

// rewrite copies a schema, pointing its refs at $defs (reporting each), making listed-property
// objects strict and turning `nullable: true` into a type that admits null.
func rewrite(node any, found func(string)) any {
	switch value := node.(type) {
	case map[string]any:
		copied := make(map[string]any, len(value)+1)
		for key, child := range value {
			if key == "$ref" {
				if ref, ok := child.(string); ok && strings.HasPrefix(ref, refPrefix) {
					target := strings.TrimPrefix(ref, refPrefix)
					found(target)
					copied[key] = "#/$defs/" + target
					continue
				}
			}
			copied[key] = rewrite(child, found)
		}
		_, listsProperties := value["properties"]
		_, decided := value["additionalProperties"]
		preserve, _ := value["x-kubernetes-preserve-unknown-fields"].(bool)
		if listsProperties && !decided && !preserve {
			copied["additionalProperties"] = false
		}
		if nullable, _ := value["nullable"].(bool); nullable {
			if kind, ok := value["type"].(string); ok {
				copied["type"] = []any{kind, "null"}
			}
		}
		return copied
	case []any:
		copied := make([]any, len(value))
		for i, child := range value {
			copied[i] = rewrite(child, found)
		}
		return copied
	default:
		return node
	}
}

func rewriteSelf(node any, name string) any {
	switch value := node.(type) {
	case map[string]any:
		for key, child := range value {
			if key == "$ref" && child == "#/$defs/"+name {
				value[key] = "#"
				continue
			}
			value[key] = rewriteSelf(child, name)
		}
		return value
	case []any:
		for i, child := range value {
			value[i] = rewriteSelf(child, name)
		}
		return value
	default:
		return node
	}
}
