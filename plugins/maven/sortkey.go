package maven

// The artifact-level maven-metadata.xml lists versions in compareVersions'
// order (version.go). Since contract 0.7.0 the host sorts a loop by a key
// stored in each row's metadata (docs/decisions/0014), so deploy stores on
// each version row that order packed into bytes: versionKey; and, for a
// SNAPSHOT version, a prefix the host skips to find <release> (0.8.0,
// docs/decisions/0017).

// memberKey is the member of a version row's metadata holding its key;
// the metadata of a SNAPSHOT starts with snapshotPrefix. The host sorts
// on the key's raw JSON string: a keyed version has no '"' or '\\' (they
// would be escaped), and the closing quote sorts below every byte that
// can follow a key which is the prefix of another.
const (
	memberKey      = "mavenKey"
	snapshotPrefix = `{"snapshot":"1",`
)

// maxKeyedNumber is the longest number (digits without leading zeros)
// versionKey packs: its length is one byte, '0'+n, below '\\'.
const maxKeyedNumber = 40

// Bytes of versionKey's token codes, in compareToken's order at one
// position: the qualifiers alpha … snapshot by rank ('a'+rank), a run of
// zeros ending in a qualifier, the end of the version, a run of zeros
// ending in a number, then a number.
const (
	codeZerosThenQual = 'f'
	codeEnd           = 'g'
	codeZerosThenNum  = 'h'
	codeNum           = 'i'
)

// versionKey is the byte-comparable key of v in compareVersions' order:
// its tokens coded so that bytes compare as compareToken does (a missing
// token — the end — equals a zero and sorts above every qualifier it
// keeps), the end code, then v itself, compareTokens' tie-break. ok is
// false when the host could not order or write v exactly:
//   - a byte outside '!'…'~' (a space, a control byte, UTF-8: the stored
//     JSON would not keep every such byte as renderArtifact writes it),
//     '"' or '\\' (escaped in JSON, where the host compares raw bytes;
//     neither is in a version with a key: both make an unknown qualifier);
//   - a qualifier that compares above the end (sp, an unknown qualifier,
//     ga/final/release before the last token): compareToken then is not
//     a total order (1.0-alpha < 1 < 1-sp < 1.0-alpha), so no key can
//     give sortVersions' order;
//   - a number longer than maxKeyedNumber digits.
//
// Such a version gets no key and its artifact's document is rendered by
// the guest.
func versionKey(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' || v[i] == '"' || v[i] == '\\' {
			return "", false
		}
	}
	toks := tokenize(v)
	b := make([]byte, 0, 2*len(v)+4)
	for i, t := range toks {
		switch {
		case !t.isNum:
			if t.rank >= rankRelease {
				return "", false
			}
			b = append(b, 'a'+byte(t.rank))
		case t.num == "":
			// A zero equals the end: what decides is the first token after
			// the run of zeros (never the end: trailing zeros are trimmed).
			j := i + 1
			for j < len(toks) && toks[j].isNum && toks[j].num == "" {
				j++
			}
			if j < len(toks) && toks[j].isNum {
				b = append(b, codeZerosThenNum)
			} else {
				b = append(b, codeZerosThenQual)
			}
		default:
			if len(t.num) > maxKeyedNumber {
				return "", false
			}
			b = append(append(b, codeNum, byte('0'+len(t.num))), t.num...)
		}
	}
	return string(append(append(b, codeEnd), v...)), true
}

// versionMeta is the metadata deploy stores on a version row: its key
// and the SNAPSHOT flag, {} without a key.
func versionMeta(v string) []byte {
	k, ok := versionKey(v)
	if !ok {
		return []byte(`{}`)
	}
	b := make([]byte, 0, len(k)+40)
	if isSnapshot(v) {
		b = append(b, snapshotPrefix...)
	} else {
		b = append(b, '{')
	}
	b = append(append(append(b, `"`+memberKey+`":"`...), k...), `"}`...)
	return b
}
