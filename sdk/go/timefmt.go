package sdk

// AppendUTC appends the UTC date and time of ms (milliseconds since the Unix
// epoch) as "2006-01-02T15:04:05" and returns the milliseconds left over
// for the caller's fraction. It reports false, appending nothing, outside
// the years 1 to 9999. It exists because the time package's formatter is
// one of the costliest calls of an index render inside a wasm guest.
func AppendUTC(dst []byte, ms int64) ([]byte, int64, bool) {
	const minMs, maxMs = -62135596800000, 253402300799999
	if ms < minMs || ms > maxMs {
		return dst, 0, false
	}
	days, rem := ms/86400000, ms%86400000
	if rem < 0 {
		days, rem = days-1, rem+86400000
	}
	// Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil inverse).
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	dst = appendDigits(dst, y, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, m, 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, rem/3600000, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, rem/60000%60, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, rem/1000%60, 2)
	return dst, rem % 1000, true
}

// appendDigits appends v zero-padded to n (at most 4) digits.
func appendDigits(dst []byte, v int64, n int) []byte {
	var buf [4]byte
	for i := n - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:n]...)
}
