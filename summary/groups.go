package summary

// GroupStats counts a shift's grouped alerts (a storm desk's groups, one
// channel message each) and the groups.
type GroupStats struct {
	// Alerts were grouped, in Storms storm groups and Groups groups of the
	// team's group_by.
	Alerts int `json:"alerts"`
	Storms int `json:"storms"`
	Groups int `json:"groups"`
}

func groupStats(incs []Record) GroupStats {
	var st GroupStats
	seen := map[string]bool{}
	for _, inc := range incs {
		if inc.Grouped == "" {
			continue
		}
		st.Alerts++
		if seen[inc.Grouped] {
			continue
		}
		seen[inc.Grouped] = true
		if inc.GroupedInStorm {
			st.Storms++
		} else {
			st.Groups++
		}
	}
	return st
}
