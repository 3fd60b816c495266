package generic

import (
	"errors"
	"strings"
	"testing"

	sdk "github.com/keeper-registry/keeper/sdk/go"
)

func TestValidate(t *testing.T) {
	info, err := sdk.DescribePlugin(Plugin{})
	if err != nil || strings.Join(info.Capabilities, ",") != sdk.CapSHA256Bodies+","+sdk.CapValidate {
		t.Fatalf("capabilities %v (%v), want [sha256-bodies validate]", info.Capabilities, err)
	}
	for _, ok := range []string{"a.txt", "dir/sub/file.bin", "with space/ü.tar.gz", "50%.txt"} {
		if err := sdk.CallValidate(Plugin{}, nil, "", ok); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "dir/", "/abs", "a//b", "a/../b", "./a", "a\\b", "a\x00b"} {
		err := sdk.CallValidate(Plugin{}, nil, "", bad)
		var se *sdk.Error
		if !errors.As(err, &se) || se.Status != 400 {
			t.Errorf("Validate(%q) = %v, want a 400", bad, err)
		}
	}
}
