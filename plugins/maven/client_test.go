package maven_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// metaDoc is the part of maven-metadata.xml the client reads.
type metaDoc struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Versioning struct {
		Latest    string   `xml:"latest"`
		Release   string   `xml:"release"`
		Versions  []string `xml:"versions>version"`
		Timestamp string   `xml:"snapshot>timestamp"`
		Build     string   `xml:"snapshot>buildNumber"`
		Snapshots []struct {
			Classifier string `xml:"classifier"`
			Extension  string `xml:"extension"`
			Value      string `xml:"value"`
			Updated    string `xml:"updated"`
		} `xml:"snapshotVersions>snapshotVersion"`
	} `xml:"versioning"`
}

// TestAgreesWithClientMetadata: after replaying mvn's deploys, the documents
// keeper generates say what mvn's own maven-metadata.xml files say (order
// of snapshotVersions, lastUpdated and the added <latest> aside).
func TestAgreesWithClientMetadata(t *testing.T) {
	h := deployed(t)
	for _, p := range []string{g + "lib/maven-metadata.xml", g + "lib-snap/maven-metadata.xml",
		g + "lib-snap/1.1-SNAPSHOT/maven-metadata.xml", g + "hello-maven-plugin/maven-metadata.xml"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "repo", p))
		if err != nil {
			t.Fatal(err)
		}
		var want, got metaDoc
		if err := xml.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		r := do(t, h, "GET", "/"+p, nil)
		if err := xml.Unmarshal(r.Bytes, &got); err != nil {
			t.Fatalf("%s: %v\n%s", p, err, r.Bytes)
		}
		for _, d := range []*metaDoc{&want, &got} {
			s := d.Versioning.Snapshots
			sort.Slice(s, func(i, j int) bool { return s[i].Extension+s[i].Classifier < s[j].Extension+s[j].Classifier })
		}
		// mvn 3.8 writes no <latest>; keeper adds it (the highest version).
		if v := got.Versioning.Versions; want.Versioning.Latest == "" && len(v) > 0 && got.Versioning.Latest == v[len(v)-1] {
			got.Versioning.Latest = ""
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nkeeper %+v\nmvn    %+v", p, got, want)
		}
	}
}
