// Package faketwilio is an in-process fake of Twilio's REST API 2010-04-01
// for sending SMS and placing calls, for tests:
//
//	POST /2010-04-01/Accounts/{AccountSid}/Messages.json  (To, From, Body)
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages.json  (To, From, DateSent, DateSent<, DateSent>)
//	POST /2010-04-01/Accounts/{AccountSid}/Calls.json     (To, From, Twiml)
//	GET  /2010-04-01/Accounts/{AccountSid}/Calls.json     (To, From, Status, StartTime, StartTime<, StartTime>)
//
// It speaks Twilio's wire format rather than mocking Baton's Phone
// interface, so that a test exercises the real client: HTTP basic auth,
// form-encoded posts, 201 Created with the resource's JSON, lists newest
// first with page, page_size and next_page_uri, dates in RFC 1123 with a
// numeric zone, date filters by UTC day, and Twilio's error bodies
// ({"code", "message", "more_info", "status"}). Requests Twilio would refuse
// are refused with its error codes where Baton's tests rely on them: 20003
// for bad credentials, 21211 for a To that is not E.164 (quoting the number,
// as Twilio does), 21617 for a body over 1,600 characters, 12100 for TwiML
// that does not parse, 32018 for TwiML over 4,000 characters.
//
// Messages are sent at once: a listed message has status "sent" and a
// date_sent. Calls wait in the queue, as they do at Twilio's
// calls-per-second rate, until DialQueued starts them: a queued call has no
// start_time and so escapes the StartTime filters.
//
// Faults come from the shared kit (internal/faults): a fault answers with
// Twilio's error body, code 20000 plus the status (20429 for a 429, with
// Retry-After), before the credentials are checked. A route is a
// request's method and resource, as Requests takes them:
// "POST Messages.json".
package faketwilio

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baton-oncall/baton/internal/fakehttp"
	"github.com/baton-oncall/baton/internal/faults"
)

// The only credentials the fake accepts.
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "fake-twilio-auth-token"
)

const (
	apiVersion = "2010-04-01"
	// defaultPageSize and maxPageSize are Twilio's for list endpoints.
	defaultPageSize = 50
	maxPageSize     = 1000
	// maxBody is Twilio's limit on a message body, in characters.
	maxBody = 1600
	// maxTwiml is Twilio's limit on a call's Twiml parameter, in
	// characters.
	maxTwiml = 4000
)

// e164 is a phone number as Twilio wants it: "+", country code, number.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Message is an SMS as the fake stores it: exactly what the client sent.
type Message struct {
	SID         string
	To          string
	From        string
	Body        string
	DateCreated time.Time
}

// Call is a call as the fake stores it. Twiml is what the client sent; Say
// is the text of its <Say> verbs, in order, those inside a <Gather> first;
// GatherAction is the <Gather>'s action URL, where Twilio posts the keys
// pressed. StartTime is zero while the call is queued.
type Call struct {
	SID          string
	To           string
	From         string
	Twiml        string
	Say          []string
	GatherAction string
	Status       string
	DateCreated  time.Time
	StartTime    time.Time
}

// cloneCall is a copy of c that shares no memory with it.
func cloneCall(c *Call) Call {
	out := *c
	out.Say = slices.Clone(c.Say)
	return out
}

// Server is a fake Twilio account served over HTTP.
type Server struct {
	faults.Kit
	srv *httptest.Server

	mu       sync.Mutex
	now      func() time.Time
	messages []*Message // oldest first
	calls    []*Call    // oldest first
	requests map[string]int
	pageSize int
}

// New starts a fake Twilio; it is shut down when the test ends.
func New(t testing.TB) *Server {
	s := &Server{now: time.Now, requests: map[string]int{}}
	s.srv = fakehttp.Start(t, s.serveHTTP)
	return s
}

// URL is the API's base, as TWILIO_API_URL takes it.
func (s *Server) URL() string {
	return s.srv.URL
}

// SetNow sets the clock that dates new messages and calls, so that a test
// can place them on either side of midnight UTC.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPageSize caps how many records one page of a list holds, whatever
// PageSize the client asks for, so that a test can exercise paging without
// sending a thousand messages. n <= 0 removes the cap.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// Messages returns every message sent, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.messages, func(m *Message) Message { return *m })
}

// Calls returns every call placed, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fakehttp.Copies(s.calls, cloneCall)
}

// DialQueued starts every queued call, as Twilio does when the account's
// calls-per-second allow: the call gets a start time and rings.
func (s *Server) DialQueued() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		if c.Status == "queued" {
			c.Status, c.StartTime = "ringing", s.now()
		}
	}
}

// Requests is how many requests with the method were made to the resource
// ("Messages.json" or "Calls.json"), failed ones included.
func (s *Server) Requests(method, resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[method+" "+resource]
}

// fields is a JSON object.
type fields = map[string]any

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resource := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	route := r.Method + " " + resource
	s.requests[route]++

	// Injected faults come before the credentials check: Twilio's edge
	// answers 429 and 5xx whatever the request holds.
	if f, ok := s.Take(route); ok {
		f.SetRetryAfter(w.Header())
		writeError(w, f.Status, 20000+f.Status, cmp.Or(f.Error, http.StatusText(f.Status)))
		return
	}
	if !fakehttp.BasicAuth(w, r, AccountSID, AuthToken, "Twilio API") {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.URL.Path != "/"+apiVersion+"/Accounts/"+AccountSID+"/"+resource {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	switch route {
	case "POST Messages.json":
		s.createMessage(w, r)
	case "GET Messages.json":
		s.list(w, r, "messages", "DateSent", s.messageList)
	case "POST Calls.json":
		s.createCall(w, r)
	case "GET Calls.json":
		s.list(w, r, "calls", "StartTime", s.callList)
	default:
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	if !checkNumbers(w, r) {
		return
	}
	body := r.PostForm.Get("Body")
	switch {
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case len([]rune(body)) > maxBody:
		writeError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	m := &Message{SID: newSID("SM"), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: body, DateCreated: s.now()}
	s.messages = append(s.messages, m)
	// The answer to the post shows the message before it is sent.
	j := messageJSON(m)
	j["status"], j["date_sent"] = "queued", nil
	writeJSON(w, http.StatusCreated, j)
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	if !checkNumbers(w, r) {
		return
	}
	doc := r.PostForm.Get("Twiml")
	switch {
	case doc == "":
		writeError(w, http.StatusBadRequest, 21205, "Url parameter is required.")
		return
	case len([]rune(doc)) > maxTwiml:
		writeError(w, http.StatusBadRequest, 32018, "Twiml size exceeded maximum allowed value of 4000 characters")
		return
	}
	doc2, ok := parseTwiml(doc)
	if !ok {
		writeError(w, http.StatusBadRequest, 12100, "Document parse failure")
		return
	}
	c := &Call{
		SID: newSID("CA"), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
		Twiml: doc, Say: append(doc2.Gather.Say, doc2.Say...), GatherAction: doc2.Gather.Action,
		Status: "queued", DateCreated: s.now(),
	}
	s.calls = append(s.calls, c)
	writeJSON(w, http.StatusCreated, callJSON(c))
}

// checkNumbers refuses a post without a valid To or without a From, with
// Twilio's codes; 21211 quotes the number, as Twilio's message does.
func checkNumbers(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Invalid form body")
		return false
	}
	to, from := r.PostForm.Get("To"), r.PostForm.Get("From")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case !e164.MatchString(to):
		writeError(w, http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
	case from == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	default:
		return true
	}
	return false
}

// twimlDoc is what the fake reads of a call's TwiML: its <Say> verbs, and
// a <Gather> with its own.
type twimlDoc struct {
	XMLName xml.Name `xml:"Response"`
	Say     []string `xml:"Say"`
	Gather  struct {
		Action string   `xml:"action,attr"`
		Say    []string `xml:"Say"`
	} `xml:"Gather"`
}

// parseTwiml reads a TwiML document as Twilio would before placing the
// call: well-formed XML with <Response> at its root.
func parseTwiml(doc string) (twimlDoc, bool) {
	var resp twimlDoc
	if err := xml.Unmarshal([]byte(doc), &resp); err != nil {
		return twimlDoc{}, false
	}
	return resp, true
}

// list answers a list request: filter keeps what the query asks for, as
// JSON, newest first; dateField is the field the query's date filter is
// on.
func (s *Server) list(w http.ResponseWriter, r *http.Request, key, dateField string, filter func(url.Values, dayFilter) []fields) {
	q := r.URL.Query()
	days, ok := parseDayFilter(q, dateField)
	if !ok {
		writeError(w, http.StatusBadRequest, 20001, "Invalid date value")
		return
	}
	items := filter(q, days)
	size := fakehttp.PageSize(q.Get("PageSize"), defaultPageSize, maxPageSize, s.pageSize)
	n, err := strconv.Atoi(q.Get("Page"))
	if err != nil || n < 0 {
		n = 0
	}
	start := min(n*size, len(items))
	end := min(start+size, len(items))
	pageURI := func(n int) string {
		p := url.Values{}
		for k, vs := range q {
			p[k] = vs
		}
		p.Set("PageSize", strconv.Itoa(size))
		p.Set("Page", strconv.Itoa(n))
		return r.URL.Path + "?" + p.Encode()
	}
	res := fields{
		key:                 items[start:end],
		"page":              n,
		"page_size":         size,
		"start":             start,
		"end":               max(start, end-1),
		"uri":               pageURI(n),
		"first_page_uri":    pageURI(0),
		"next_page_uri":     nil,
		"previous_page_uri": nil,
	}
	if end < len(items) {
		res["next_page_uri"] = pageURI(n + 1)
	}
	if n > 0 {
		res["previous_page_uri"] = pageURI(n - 1)
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) messageList(q url.Values, days dayFilter) []fields {
	out := []fields{}
	for _, m := range slices.Backward(s.messages) {
		if matches(q, "To", m.To) && matches(q, "From", m.From) && days.holds(m.DateCreated) {
			out = append(out, messageJSON(m))
		}
	}
	return out
}

func (s *Server) callList(q url.Values, days dayFilter) []fields {
	out := []fields{}
	for _, c := range slices.Backward(s.calls) {
		if !matches(q, "To", c.To) || !matches(q, "From", c.From) || !matches(q, "Status", c.Status) {
			continue
		}
		// A call that has not started escapes every StartTime filter.
		if days.any() && (c.StartTime.IsZero() || !days.holds(c.StartTime)) {
			continue
		}
		out = append(out, callJSON(c))
	}
	return out
}

// matches reports whether a record's field passes the query's filter on
// it; no filter passes everything.
func matches(q url.Values, name, value string) bool {
	return !q.Has(name) || q.Get(name) == value
}

// dayFilter is Twilio's date filter on one field: Name=YYYY-MM-DD for that
// UTC day, Name<=... on or before it, Name>=... on or after it. In the
// query the ">" or "<" ends the parameter's name.
type dayFilter struct {
	on, before, after string // YYYY-MM-DD, or empty
}

func parseDayFilter(q url.Values, name string) (dayFilter, bool) {
	f := dayFilter{on: q.Get(name), before: q.Get(name + "<"), after: q.Get(name + ">")}
	for _, d := range []string{f.on, f.before, f.after} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			return f, false
		}
	}
	return f, true
}

func (f dayFilter) any() bool {
	return f.on != "" || f.before != "" || f.after != ""
}

// holds compares days as strings, which YYYY-MM-DD allows.
func (f dayFilter) holds(t time.Time) bool {
	d := t.UTC().Format(time.DateOnly)
	return (f.on == "" || d == f.on) && (f.before == "" || d <= f.before) && (f.after == "" || d >= f.after)
}

// messageJSON is a message as Twilio lists it, once sent.
func messageJSON(m *Message) fields {
	created := date(m.DateCreated)
	return fields{
		"sid":                   m.SID,
		"account_sid":           AccountSID,
		"api_version":           apiVersion,
		"to":                    m.To,
		"from":                  m.From,
		"body":                  m.Body,
		"status":                "sent",
		"direction":             "outbound-api",
		"num_segments":          "1",
		"num_media":             "0",
		"date_created":          created,
		"date_updated":          created,
		"date_sent":             created,
		"price":                 nil,
		"price_unit":            "USD",
		"error_code":            nil,
		"error_message":         nil,
		"messaging_service_sid": nil,
		"uri":                   "/" + apiVersion + "/Accounts/" + AccountSID + "/Messages/" + m.SID + ".json",
		"subresource_uris": fields{
			"media": "/" + apiVersion + "/Accounts/" + AccountSID + "/Messages/" + m.SID + "/Media.json",
		},
	}
}

// callJSON is a call as Twilio shows it.
func callJSON(c *Call) fields {
	uri := "/" + apiVersion + "/Accounts/" + AccountSID + "/Calls/" + c.SID
	var start any
	if !c.StartTime.IsZero() {
		start = date(c.StartTime)
	}
	return fields{
		"sid":             c.SID,
		"account_sid":     AccountSID,
		"api_version":     apiVersion,
		"to":              c.To,
		"to_formatted":    c.To,
		"from":            c.From,
		"from_formatted":  c.From,
		"status":          c.Status,
		"direction":       "outbound-api",
		"date_created":    date(c.DateCreated),
		"date_updated":    date(c.DateCreated),
		"start_time":      start,
		"end_time":        nil,
		"duration":        nil,
		"price":           nil,
		"price_unit":      "USD",
		"parent_call_sid": nil,
		"answered_by":     nil,
		"caller_name":     nil,
		"queue_time":      "0",
		"uri":             uri + ".json",
		"subresource_uris": fields{
			"notifications": uri + "/Notifications.json",
			"recordings":    uri + "/Recordings.json",
		},
	}
}

// date formats as Twilio does: RFC 1123 with a numeric zone, in UTC.
func date(t time.Time) string {
	return t.UTC().Format(time.RFC1123Z)
}

// newSID is a Twilio SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// writeError answers with Twilio's error body.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, fields{
		"code":      code,
		"message":   message,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		"status":    status,
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	fakehttp.WriteJSON(w, status, "application/json; charset=utf-8", body)
}
