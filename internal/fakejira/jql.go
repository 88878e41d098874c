package fakejira

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The JQL the fake evaluates, as Atlassian's JQL reference writes it:
//
//	clause [AND clause ...] [ORDER BY field [ASC|DESC] [, field [ASC|DESC] ...]]
//
// where a clause is one of
//
//	project = KEY           project != KEY
//	labels = label          labels != label
//	statusCategory = Done   statusCategory != Done   (a category's name or key)
//	priority = High         priority != High
//
// and a value is a word or a quoted string ("..." or '...', in which a
// backslash escapes the next character). Keywords, field names and the
// values of project, status category and priority are read in any case;
// a label is matched as written. ORDER BY sorts by priority, created or
// key; a field given no direction sorts ascending (Jira uses each field's
// own default there). As in Jira, != never matches an issue that has no
// value at all: labels != x leaves out issues without labels.
//
// Jira answers 400 with errorMessages for JQL it cannot parse, for a field
// it does not know and for a value that names nothing (a project that does
// not exist); the fake does too, with Jira's messages. JQL that Jira would
// run but the fake cannot evaluate (OR, NOT, parentheses, IN, ~, other
// fields) is refused with 400 as well, saying that it is the fake that
// cannot, so that a test never passes on a query the fake misread.

// query is a JQL query the fake understands: clauses that must all hold,
// then the order.
type query struct {
	where []clause
	order []orderBy
}

// clause is field = value, or field != value when not is set; field is
// lower-case.
type clause struct {
	field, value string
	not          bool
}

// orderBy is one field of an ORDER BY, lower-case.
type orderBy struct {
	field string
	desc  bool
}

// jqlError is a query refused, with the message Jira's errorMessages
// carries.
type jqlError string

func (e jqlError) Error() string { return string(e) }

// token is a word, an operator, a punctuation mark or a string literal of
// JQL; pos counts characters from 1, as Jira's messages do.
type token struct {
	text   string
	quoted bool
	pos    int
}

// is reports whether the token is the keyword or operator kw.
func (t token) is(kw string) bool {
	return !t.quoted && strings.EqualFold(t.text, kw)
}

// operators are JQL's operators, longest first so that "!=" is not read as
// "!" and "=".
var operators = []string{"!=", "!~", "<=", ">=", "=", "<", ">", "~"}

// lex splits JQL into tokens.
func lex(jql string) ([]token, error) {
	var out []token
	for i := 0; i < len(jql); {
		r, size := utf8.DecodeRuneInString(jql[i:])
		pos := utf8.RuneCountInString(jql[:i]) + 1
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			i += size
		case r == '"' || r == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(jql) && rune(jql[j]) != r; j++ {
				if jql[j] == '\\' && j+1 < len(jql) {
					j++
				}
				b.WriteByte(jql[j])
			}
			if j >= len(jql) {
				return nil, jqlError(fmt.Sprintf("Error in the JQL Query: The quoted string '%s' has not been completed. (line 1, character %d)", jql[i+1:], pos))
			}
			out = append(out, token{text: b.String(), quoted: true, pos: pos})
			i = j + 1
		case r == '(' || r == ')' || r == ',':
			out = append(out, token{text: string(r), pos: pos})
			i += size
		default:
			if op := operatorAt(jql[i:]); op != "" {
				out = append(out, token{text: op, pos: pos})
				i += len(op)
				continue
			}
			j := i
			for j < len(jql) && !strings.ContainsRune(" \t\n\r\"'(),=!<>~", rune(jql[j])) {
				j++
			}
			if j == i { // a lone "!"
				j++
			}
			out = append(out, token{text: jql[i:j], pos: pos})
			i = j
		}
	}
	return out, nil
}

// operatorAt is the operator s starts with, or "".
func operatorAt(s string) string {
	for _, op := range operators {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}

// fakeFields are the fields the fake evaluates in a clause; sortable, in
// an ORDER BY.
var (
	fakeFields = []string{"project", "labels", "statuscategory", "priority"}
	sortable   = []string{"priority", "created", "key"}
	// jiraFields are other fields every Jira site has: the fake knows them
	// by name, so that it says it cannot evaluate them rather than that
	// they do not exist.
	jiraFields = []string{"assignee", "reporter", "status", "summary", "description", "text", "type", "issuetype",
		"created", "createddate", "updated", "updateddate", "resolution", "resolved", "duedate", "due", "key", "issuekey",
		"id", "parent", "component", "fixversion", "affectedversion", "sprint", "rank", "watcher", "creator", "comment"}
)

// unsupported refuses JQL that Jira would run but the fake cannot evaluate.
func unsupported(what string, t token) jqlError {
	return jqlError(fmt.Sprintf("Error in the JQL Query: the fake Jira cannot evaluate %s (got '%s' at character %d); "+
		"it evaluates project, labels, statusCategory and priority with = or !=, joined by AND, and ORDER BY priority, created or key.", what, t.text, t.pos))
}

// parse reads a query. Its errors are jqlErrors.
func parse(jql string) (query, error) {
	toks, err := lex(jql)
	if err != nil {
		return query{}, err
	}
	var q query
	i := 0
	next := func() (token, bool) {
		if i >= len(toks) {
			return token{}, false
		}
		i++
		return toks[i-1], true
	}
	end := token{text: "<EOF>", pos: utf8.RuneCountInString(jql) + 1}
	for i < len(toks) {
		if toks[i].is("order") {
			break
		}
		field, _ := next()
		if field.quoted || operatorAt(field.text) != "" || strings.ContainsAny(field.text, "(),") {
			if field.text == "(" {
				return query{}, unsupported("parentheses", field)
			}
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting a field name but got '%s'. (line 1, character %d)", field.text, field.pos))
		}
		if field.is("not") {
			return query{}, unsupported("NOT", field)
		}
		name := strings.ToLower(field.text)
		switch {
		case slices.Contains(fakeFields, name):
		case slices.Contains(jiraFields, name) || strings.HasPrefix(name, "cf["):
			return query{}, unsupported("the field "+field.text, field)
		default:
			return query{}, jqlError(fmt.Sprintf("Field '%s' does not exist or you do not have permission to view it.", field.text))
		}
		op, ok := next()
		if !ok {
			op = end
		}
		switch {
		case op.is("=") || op.is("!="):
		case operatorAt(op.text) == op.text && !op.quoted, op.is("in"), op.is("not"), op.is("is"), op.is("was"), op.is("changed"):
			return query{}, unsupported("the operator "+op.text, op)
		default:
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting operator but got '%s'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character %d)", op.text, op.pos))
		}
		value, ok := next()
		if !ok {
			value = end
		}
		if !value.quoted && (value.text == "<EOF>" || operatorAt(value.text) != "" || strings.ContainsAny(value.text, "(),")) {
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting either a value, list or function but got '%s'. (line 1, character %d)", value.text, value.pos))
		}
		if i < len(toks) && toks[i].text == "(" && !toks[i].quoted {
			return query{}, unsupported("functions", value)
		}
		q.where = append(q.where, clause{field: name, value: value.text, not: op.is("!=")})

		and, ok := next()
		switch {
		case !ok:
		case and.is("and"):
			switch {
			case i >= len(toks):
				return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting a field name but got '<EOF>'. (line 1, character %d)", end.pos))
			case toks[i].is("order"):
				return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting a field name but got '%s'. (line 1, character %d)", toks[i].text, toks[i].pos))
			}
		case and.is("order"):
			i--
		case and.is("or"):
			return query{}, unsupported("OR", and)
		default:
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting either 'OR' or 'AND' but got '%s'. (line 1, character %d)", and.text, and.pos))
		}
	}
	if i == len(toks) {
		return q, nil
	}
	next() // ORDER
	if by, ok := next(); !ok || !by.is("by") {
		if !ok {
			by = end
		}
		return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting 'BY' but got '%s'. (line 1, character %d)", by.text, by.pos))
	}
	for {
		field, ok := next()
		if !ok || field.quoted || operatorAt(field.text) != "" || strings.ContainsAny(field.text, "(),") {
			if !ok {
				field = end
			}
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting a field name but got '%s'. (line 1, character %d)", field.text, field.pos))
		}
		name := strings.ToLower(field.text)
		switch {
		case slices.Contains(sortable, name):
		case slices.Contains(fakeFields, name) || slices.Contains(jiraFields, name):
			return query{}, unsupported("ORDER BY "+field.text, field)
		default:
			return query{}, jqlError(fmt.Sprintf("Field '%s' does not exist or you do not have permission to view it.", field.text))
		}
		o := orderBy{field: name}
		t, ok := next()
		if ok && (t.is("asc") || t.is("desc")) {
			o.desc = t.is("desc")
			t, ok = next()
		}
		q.order = append(q.order, o)
		if !ok {
			return q, nil
		}
		if t.text != "," || t.quoted {
			return query{}, jqlError(fmt.Sprintf("Error in the JQL Query: Expecting ',' but got '%s'. (line 1, character %d)", t.text, t.pos))
		}
	}
}

// check refuses a query whose values name nothing on the site, as Jira
// does; the caller holds mu.
func (s *Server) check(q query) error {
	for _, c := range q.where {
		known := true
		switch c.field {
		case "project":
			known = s.project(c.value) != nil
		case "statuscategory":
			known = statusCategory(c.value) != ""
		case "priority":
			known = priorityRank(c.value) > 0
		}
		if !known {
			name := map[string]string{"project": "project", "statuscategory": "statusCategory", "priority": "priority"}[c.field]
			return jqlError(fmt.Sprintf("The value '%s' does not exist for the field '%s'.", c.value, name))
		}
	}
	return nil
}

// project finds a project by key (in any case) or id; the caller holds mu.
func (s *Server) project(keyOrID string) *project {
	for _, p := range s.projects {
		if strings.EqualFold(p.key, keyOrID) || p.id == keyOrID {
			return p
		}
	}
	return nil
}

// statusCategory is the key of the status category named by its key, its
// name or its id, in any case; "" for none.
func statusCategory(v string) string {
	for key, st := range statuses {
		if strings.EqualFold(v, key) || strings.EqualFold(v, st.catName) || v == strconv.Itoa(st.catID) {
			return key
		}
	}
	return ""
}

// matches reports whether the issue meets every clause of q.
func (q query) matches(is *Issue) bool {
	for _, c := range q.where {
		var has, eq bool
		switch c.field {
		case "project":
			has, eq = true, strings.EqualFold(is.Project, c.value)
		case "labels":
			has, eq = len(is.Labels) > 0, slices.Contains(is.Labels, c.value)
		case "statuscategory":
			has, eq = true, is.StatusCategory == statusCategory(c.value)
		case "priority":
			has, eq = is.Priority != "", strings.EqualFold(is.Priority, c.value)
		}
		// != matches only issues that have a value, as in Jira.
		if !has || eq == c.not {
			return false
		}
	}
	return true
}

// sort orders issues, given oldest first, as q says; without an ORDER BY,
// newest first, which is Jira's order for a search that names none.
func (q query) sort(issues []*Issue) {
	if len(q.order) == 0 {
		slices.Reverse(issues)
		return
	}
	slices.SortStableFunc(issues, func(a, b *Issue) int {
		for _, o := range q.order {
			var c int
			switch o.field {
			case "priority":
				// Rank 1 is Highest: ascending runs from Lowest up.
				c = cmp.Compare(sortRank(b.Priority), sortRank(a.Priority))
			case "created":
				c = a.Created.Compare(b.Created)
			case "key":
				c = cmp.Or(cmp.Compare(a.Project, b.Project), cmp.Compare(keyNumber(a.Key), keyNumber(b.Key)))
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// sortRank is a priority's rank for sorting, where no priority ranks
// below Lowest.
func sortRank(priority string) int {
	if r := priorityRank(priority); r > 0 {
		return r
	}
	return len(Priorities) + 1
}

// keyNumber is the number of an issue key, 12 for DATA-12.
func keyNumber(key string) int {
	_, n, _ := strings.Cut(key, "-")
	i, _ := strconv.Atoi(n)
	return i
}
