package rubygems

import (
	"strconv"
	"strings"
)

// /info lists a gem's live versions in Gem::Version order, then by
// platform (gemRecords). Since contract 0.7.0 the host sorts a loop by a
// key stored in each row's metadata (docs/decisions/0014), so each
// version's pieces carry that order packed into bytes: sortKey.

// sortKey is the byte-comparable key of a version's place in /info: its
// Gem::Version segments packed (compareVersions' order), then the
// platform and '!'. Segments compare as letters < numbers, missing ones as
// zeros: a letter segment is 'b', its letters and '!'; trailing zero
// segments are dropped and the end is 'd'; a zero segment is 'c' when the
// next non-zero segment is letters (it sorts below the end) and 'e' when
// it is a number (above); a non-zero number is 'f', its digit count as two
// hex digits and its digits without leading zeros. Versions equal by
// compareVersions get the same bytes, so the host's stable sort keeps the
// listing's order among them as the guest's stable sort did. ok is false
// for a version or platform outside Gem's spellings (versionRe,
// platformRe) or a number of 256 digits or more: no key, the guest renders.
func sortKey(version, platform string) (string, bool) {
	if version == "" || strings.Trim(version, "0123456789.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" ||
		platform == "" || strings.Trim(platform, "0123456789abcdefghijklmnopqrstuvwxyz_.-") != "" {
		return "", false
	}
	segs := segments(version)
	isNum := func(s string) bool { return s[0] >= '0' && s[0] <= '9' }
	zero := func(s string) bool { return isNum(s) && strings.Trim(s, "0") == "" }
	for len(segs) > 0 && zero(segs[len(segs)-1]) {
		segs = segs[:len(segs)-1]
	}
	b := make([]byte, 0, 2*len(version)+len(platform)+4)
	for i, s := range segs {
		switch {
		case !isNum(s):
			b = append(append(append(b, 'b'), s...), '!')
		case zero(s):
			next := i + 1
			for zero(segs[next]) { // segs ends with a non-zero segment
				next++
			}
			if isNum(segs[next]) {
				b = append(b, 'e')
			} else {
				b = append(b, 'c')
			}
		default:
			d := strings.TrimLeft(s, "0")
			if len(d) > 255 {
				return "", false
			}
			if len(d) < 16 {
				b = append(b, 'f', '0')
			} else {
				b = append(b, 'f')
			}
			b = append(strconv.AppendInt(b, int64(len(d)), 16), d...)
		}
	}
	b = append(b, 'd')
	return string(b) + platform + "!", true
}
