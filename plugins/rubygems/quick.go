package rubygems

// QuickSpec is the Marshal 4.8 dump of the Gem::Specification, as
// Gem::Specification#_dump writes it (the field order of MARSHAL_FIELDS,
// https://github.com/rubygems/rubygems/blob/v3.3.15/lib/rubygems/specification.rb):
// quick/Marshal.4.8/NAME-VERSION.gemspec.rz is this, zlib-deflated.
func QuickSpec(s *Spec) []byte {
	sv := s.SpecVersion
	if sv <= 0 || sv > 4 {
		sv = 4
	}
	rv := s.RubygemsVersion
	if rv == "" {
		rv = "3.3.15"
	}
	deps := make(Arr, 0, len(s.Deps))
	for _, d := range s.Deps {
		deps = append(deps, Obj{Class: "Gem::Dependency", Ivars: []Pair{
			{Sym("@name"), Str(d.Name)},
			{Sym("@requirement"), gemRequirement(d.Reqs)},
			{Sym("@type"), Sym(d.Type)},
			{Sym("@prerelease"), Bool(false)},
			{Sym("@version_requirements"), gemRequirement(d.Reqs)},
		}})
	}
	var date Value = Nil{} // Gem::Specification#date= takes "YYYY-MM-DD"; nil is today
	if len(s.Date) == 10 {
		date = Str(s.Date)
	}
	email := Value(Nil{})
	if len(s.Email) == 1 {
		email = Str(s.Email[0])
	} else if len(s.Email) > 1 {
		email = strArr(s.Email)
	}
	fields := Arr{
		Str(rv),
		Int(sv),
		Str(s.Name),
		gemVersion(s.Version),
		date,
		Str(s.Summary),
		gemRequirement(s.RequiredRuby),
		gemRequirement(s.RequiredRubygems),
		Str(s.Platform), // original_platform
		deps,
		Str(""), // rubyforge_project
		email,
		strArr(s.Authors),
		Str(s.Description),
		Str(s.Homepage),
		Bool(true),      // has_rdoc
		Str(s.Platform), // new_platform: a String is read as Gem::Platform
		strArr(s.Licenses),
		strHash(s.Metadata),
	}
	return Marshal(UserDef{Class: "Gem::Specification", Data: Marshal(fields)})
}
