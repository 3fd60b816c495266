//go:build wasip1

package sdk

var (
	_ SpansHost = wasmHost{}
	_ FilesHost = wasmHost{}
)

func (wasmHost) JSONSpans(src Source, paths [][]string) ([]uint32, error) {
	m, err := hostJsonSpans(source(src), paths)
	return m.Spans, err
}

func (wasmHost) GetFiles(paths []string) ([]File, error) { return hostGetFiles(paths) }
