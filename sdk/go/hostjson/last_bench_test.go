package hostjson

import (
	"strconv"
	"testing"
)

// BenchmarkAssembleLast assembles lastTemplate over 200 versions.
func BenchmarkAssembleLast(b *testing.B) {
	rs := &memRows{}
	for i := 0; i < 200; i++ {
		v := "1." + strconv.Itoa(i/10) + "." + strconv.Itoa(i%10)
		rs.versions = append(rs.versions, Row{Package: "p", Version: v, CreatedMs: 1700000000000,
			Metadata: []byte(`{"k":"i11i2` + strconv.Itoa(100+i) + `g` + v + `"}`)})
	}
	tpl := lastTemplate("1700000000000")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Assemble(rs, tpl, 0); err != nil {
			b.Fatal(err)
		}
	}
}
