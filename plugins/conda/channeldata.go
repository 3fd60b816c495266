package conda

// channeldata.json: per package its newest version and the subdirs it is
// in, and the channel's subdirs (channeldata_version 1).
// https://docs.conda.io/projects/conda-build/en/latest/concepts/generating-index.html#channeldata-json

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

type channelPackage struct {
	Subdirs   []string `json:"subdirs"`
	Version   string   `json:"version"`
	Timestamp int64    `json:"timestamp,omitempty"`
}

type channeldata struct {
	ChanneldataVersion int                        `json:"channeldata_version"`
	Packages           map[string]*channelPackage `json:"packages"`
	Subdirs            []string                   `json:"subdirs"`
}

// serveChanneldata renders channeldata.json from the stored records'
// metadata (no record is re-read).
func serveChanneldata(h sdk.Host) (*sdk.Response, error) {
	cd := channeldata{ChanneldataVersion: 1, Packages: map[string]*channelPackage{}, Subdirs: []string{}}
	err := sdk.EachFile(h, partsDir+"/", "", maxPackages, func(f sdk.File) error {
		var m Meta
		if json.Unmarshal(f.Metadata, &m) != nil || m.Name == "" {
			return nil
		}
		subdir, _, _ := strings.Cut(strings.TrimPrefix(f.Path, partsDir+"/"), "/")
		if !slices.Contains(cd.Subdirs, subdir) {
			cd.Subdirs = append(cd.Subdirs, subdir)
		}
		p := cd.Packages[m.Name]
		if p == nil {
			p = &channelPackage{Version: m.Version}
			cd.Packages[m.Name] = p
		}
		if !slices.Contains(p.Subdirs, subdir) {
			p.Subdirs = append(p.Subdirs, subdir)
		}
		if compareVersions(m.Version, p.Version) > 0 {
			p.Version = m.Version
		}
		p.Timestamp = max(p.Timestamp, m.Timestamp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conda: list packages: %w", err)
	}
	for _, p := range cd.Packages {
		slices.Sort(p.Subdirs)
	}
	slices.Sort(cd.Subdirs)
	b, _ := marshal(cd)
	return &sdk.Response{Status: 200, Kind: sdk.BodyBytes, Bytes: b, CacheTTLMs: indexTTL,
		Headers: []sdk.Header{{Name: "Content-Type", Value: "application/json"}}}, nil
}
