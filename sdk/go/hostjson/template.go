package hostjson

// The template types of the assemble import (contract 0.6.0, sorted loops
// 0.7.0, `last`, `xml` and `ymdhms` 0.8.0, `same`, windows and `total`
// 0.9.0); the WIT documents every field.
type (
	// Source is the WIT enum row-source.
	Source uint8
	// Field is the WIT enum row-field.
	Field uint8
	// FieldForm is the WIT enum field-form.
	FieldForm uint8
	// ItemKind is the WIT enum item-kind.
	ItemKind uint8
	// Test is the WIT enum member-test.
	Test uint8
	// PartKind is the WIT enum part-kind.
	PartKind uint8
	// SortOrder is the WIT enum sort-order (0.7.0).
	SortOrder uint8
)

// Values of the template enums, in WIT order.
const (
	Versions Source = iota
	Files
)

const (
	FieldPackage Field = iota
	FieldVersion
	FieldPath
	FieldSHA256
	FieldSHA1
	FieldMD5
	FieldSHA512
	FieldSize
	FieldCreated
)

const (
	FormRaw FieldForm = iota
	FormJSONString
	FormHTML
	FormISOMs
	FormUnixMs
	FormURLPath
	FormJSONText
	FormISOUs
	// FormXML (0.8.0) escapes & < > " ' as XML entities.
	FormXML
	// FormYMDHMS (0.8.0) writes created as yyyyMMddHHmmss UTC.
	FormYMDHMS
)

const (
	ItemLiteral ItemKind = iota
	ItemField
	ItemMetadata
	ItemMember
	ItemExpect
	ItemRowText
)

const (
	TestPresent Test = iota
	TestAbsent
	TestIsTrue
	TestHasKey
	TestMetadataPrefix
	TestFirst
	TestChanged
	TestDated
	// TestLast (0.8.0) holds for the loop's last row.
	TestLast
	// TestSame (0.9.0) holds for a row after the first whose member equals
	// the previous row's: neither TestFirst nor TestChanged.
	TestSame
)

const (
	SortNone SortOrder = iota
	SortAscending
	SortDescending
)

const (
	PartLiteral PartKind = iota
	PartLoop
	PartCount
	PartMinCreated
	PartMaxCreated
	// PartTotal (0.9.0) writes a loop's number of rows before its window.
	PartTotal
)

// Condition is the WIT record condition.
type Condition struct {
	Test   Test
	Member uint32
	Names  []string
}

// Item is the WIT record template-item.
type Item struct {
	Kind   ItemKind
	Text   []byte
	Field  Field
	Form   FieldForm
	Member uint32
	Names  []string
	When   []Condition
}

// Replacement is one (pattern, replacement) pair of a loop.
type Replacement struct{ Pattern, With []byte }

// Ordered is the WIT record ordered-row: a row's key and its texts.
type Ordered struct {
	Key   string
	Texts [][]byte
}

// Loop is the WIT record template-loop.
type Loop struct {
	Source     Source
	Package    string
	Prefix     string
	Version    string
	Limit      uint32
	Separator  []byte
	Members    []string
	MemberForm Form
	Replace    []Replacement
	Items      []Item
	Order      []Ordered
	// Sort (0.7.0) sorts the rows by the bytes of member SortMember.
	Sort       SortOrder
	SortMember uint32
	// Skip (0.7.0) leaves out the rows for which one of its conditions holds.
	Skip []Condition
	// Offset and Count (0.9.0) keep, after Skip and Sort, the rows from
	// index Offset on, at most Count of them (0: all the rest).
	Offset, Count uint32
}

// Part is the WIT record template-part.
type Part struct {
	Kind PartKind
	Text []byte
	Loop uint32
	Form FieldForm
}

// Template is the WIT record template.
type Template struct {
	Loops []Loop
	Parts []Part
	// ReturnText asks the import to return the document to the guest
	// (Assemble itself builds it the same way).
	ReturnText bool
}

// Row is one stored version or file.
type Row struct {
	Package, Version, Path    string
	SHA256, SHA1, MD5, SHA512 string
	Size                      int64
	Metadata                  []byte
	CreatedMs                 int64
}

// Rows lists stored rows for Assemble: versions of pkg in version-string
// order after `after`, or files under prefix (of pkg when not "") in path
// order after `after`, at most limit.
type Rows interface {
	Versions(pkg, after string, limit int) ([]Row, error)
	Files(prefix, after string, limit int, pkg string) ([]Row, error)
}

// Result is what Assemble built: Doc is nil when a row was irregular
// (Irregular counts them); Rows the rows of each loop (before its window).
type Result struct {
	Doc       []byte
	Rows      []uint32
	Irregular uint32
}
