package scan

import "github.com/keeper-registry/keeper/ports"

// Counts are findings by severity.
type Counts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Count counts findings by severity.
func Count(findings []ports.Finding) Counts {
	var c Counts
	for _, f := range findings {
		switch f.Severity {
		case ports.SeverityCritical:
			c.Critical++
		case ports.SeverityHigh:
			c.High++
		case ports.SeverityMedium:
			c.Medium++
		case ports.SeverityLow:
			c.Low++
		default:
			c.Unknown++
		}
	}
	return c
}

// Add sums two counts.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Critical + o.Critical, c.High + o.High, c.Medium + o.Medium, c.Low + o.Low, c.Unknown + o.Unknown}
}

// Score is 100 − (25·critical + 10·high + 3·medium + 1·low), clamped to 0…100.
func Score(c Counts) int {
	s := 100 - (25*c.Critical + 10*c.High + 3*c.Medium + c.Low)
	return max(0, min(100, s))
}

// Grade is A ≥ 90, B ≥ 75, C ≥ 50, D ≥ 25, else F.
func Grade(score int) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 75:
		return "B"
	case score >= 50:
		return "C"
	case score >= 25:
		return "D"
	}
	return "F"
}
