package ivy

// The Ivy module descriptor, ivy.xml
// (https://ant.apache.org/ivy/history/2.5.0/ivyfile.html): the <info>
// element names the module, <publications> its artifacts and
// <dependencies> what it needs. Only what Keeper checks or renders is read.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// maxDescriptor bounds an uploaded ivy.xml.
const maxDescriptor = 1 << 20

type descriptor struct {
	XMLName xml.Name `xml:"ivy-module"`
	Version string   `xml:"version,attr"`
	Info    struct {
		Org    string `xml:"organisation,attr"`
		Module string `xml:"module,attr"`
		Rev    string `xml:"revision,attr"`
		Status string `xml:"status,attr"`
		Pub    string `xml:"publication,attr"`
		Desc   string `xml:"description"`
	} `xml:"info"`
	Artifacts    []pubArtifact `xml:"publications>artifact"`
	Dependencies []dependency  `xml:"dependencies>dependency"`
}

type pubArtifact struct {
	Name       string `xml:"name,attr"`
	Type       string `xml:"type,attr"`
	Ext        string `xml:"ext,attr"`
	Classifier string `xml:"classifier,attr"` // e:classifier or m:classifier
}

type dependency struct {
	Org  string `xml:"org,attr"`
	Name string `xml:"name,attr"`
	Rev  string `xml:"rev,attr"`
	Conf string `xml:"conf,attr"`
}

// parseDescriptor decodes ivy.xml strictly: one ivy-module root, no DTD
// (so no entity expansion), an <info> with organisation, module and
// revision.
func parseDescriptor(raw []byte) (*descriptor, error) {
	if len(raw) > maxDescriptor {
		return nil, fmt.Errorf("larger than %d bytes", maxDescriptor)
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	var d descriptor
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("no ivy-module element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("DOCTYPE declarations are not accepted")
		case xml.StartElement:
			if t.Name.Local != "ivy-module" {
				return nil, fmt.Errorf("root element is <%s>, want <ivy-module>", t.Name.Local)
			}
			if err := dec.DecodeElement(&d, &t); err != nil {
				return nil, err
			}
			if d.Info.Org == "" || d.Info.Module == "" || d.Info.Rev == "" {
				return nil, fmt.Errorf("<info> lacks organisation, module or revision")
			}
			return &d, nil
		}
	}
}
