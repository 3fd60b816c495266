package harness

import "testing"

func TestReadyLine(t *testing.T) {
	cases := []struct {
		chunks []string
		want   string
	}{
		{[]string{"time=x level=INFO msg=\"keeper ready\" url=http://127.0.0.1:4567\n"}, "http://127.0.0.1:4567"},
		{[]string{"time=x level=INFO msg=other\ntime=x level=INFO msg=\"keeper ", "ready\" url=http://127.0.0.1:1\n"}, "http://127.0.0.1:1"},
		{[]string{`{"time":"x","level":"INFO","msg":"keeper ready","url":"http://127.0.0.1:9"}` + "\n"}, "http://127.0.0.1:9"},
		{[]string{"msg=\"keeper ready\" url=http://127.0.0.1:2"}, ""}, // no newline yet
		{[]string{"msg=\"keeper starting\" url=http://127.0.0.1:3\n"}, ""},
	}
	for _, c := range cases {
		l := newLogBuffer()
		for _, ch := range c.chunks {
			_, _ = l.Write([]byte(ch))
		}
		got := ""
		select {
		case got = <-l.ready:
		default:
		}
		if got != c.want {
			t.Errorf("%q: ready url %q, want %q", c.chunks, got, c.want)
		}
	}
}
