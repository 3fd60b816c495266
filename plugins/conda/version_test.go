package conda

import "testing"

// TestCompareVersions follows the ordering examples of conda's VersionOrder
// (https://docs.conda.io/projects/conda/en/latest/user-guide/concepts/pkg-specs.html#version-ordering).
func TestCompareVersions(t *testing.T) {
	ordered := []string{"0.4", "0.4.1.rc", "0.4.1", "0.5a1", "0.5b3", "0.5", "0.9.6", "0.960923", "1.0", "1.1dev1",
		"1.1a1", "1.1.0dev1", "1.1.0", "1.1.0post1", "1.10", "1996.07.12", "1!0.4.1", "1!3.1.1.6"}
	for i := 0; i+1 < len(ordered); i++ {
		if c := compareVersions(ordered[i], ordered[i+1]); c >= 0 {
			t.Errorf("compare(%s, %s) = %d, want < 0", ordered[i], ordered[i+1], c)
		}
		if c := compareVersions(ordered[i+1], ordered[i]); c <= 0 {
			t.Errorf("compare(%s, %s) = %d, want > 0", ordered[i+1], ordered[i], c)
		}
	}
	for _, eq := range [][2]string{{"1.0", "1.0.0"}, {"0.4", "0.4.0"}, {"1.1", "1.1"}} {
		if c := compareVersions(eq[0], eq[1]); c != 0 {
			t.Errorf("compare(%s, %s) = %d, want 0", eq[0], eq[1], c)
		}
	}
}
