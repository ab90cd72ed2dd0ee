package signup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// view is what a template renders.
type view struct {
	T         *messages
	CSS, JS   string // the assets' URLs
	Title     string
	CSRF      string
	LangLinks []langLink
	// Alert, when set, is announced at once (role="alert"); AlertField is
	// the id of the field it concerns, linked from it.
	Alert, AlertField string
	// Notice is announced politely (role="status").
	Notice string

	// The message page.
	Message, Start string

	// The signup form.
	Fields    []field
	RequestID string
	ReturnTo  string

	// The code step.
	Intro       string
	Code        *field
	Resend      bool   // show the resend form
	ResendLabel string // its button
	// Countdown is the seconds before a resend is possible (0: now), said
	// in WaitText; JS counts down with WaitOne and WaitMany ({n} the
	// seconds) and says ReadyText at the end.
	Countdown                              int
	WaitText, WaitOne, WaitMany, ReadyText string
	StartAgain                             bool // show a link back to the form
}

// formValue is r's form value key: the posted one when r's form was
// parsed and has it, else the query's. It never reads the body.
func formValue(r *http.Request, key string) string {
	if r.PostForm != nil && r.PostForm.Has(key) {
		return r.PostForm.Get(key)
	}
	return r.URL.Query().Get(key)
}

// langLink is one entry of the language switch.
type langLink struct {
	Href, Lang, Name string
	Current          bool
}

// field is one input of a form.
type field struct {
	ID, Name, Label, Type, Autocomplete, Inputmode, Value, Hint, Error string
	Pattern                                                            string
	MaxLength                                                          int
}

// HintID and ErrorID are the ids aria-describedby points at.
func (f field) HintID() string  { return f.ID + "-hint" }
func (f field) ErrorID() string { return f.ID + "-error" }

// DescribedBy lists the ids of the field's hint and error.
func (f field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.HintID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

// view starts a view for r: its language, the CSRF token and the language
// switch pointing at the page r shows.
func (h *handler) view(w http.ResponseWriter, r *http.Request) *view {
	m := h.chooseLang(w, r)
	v := &view{T: m, CSRF: h.csrfToken(h.csrfSecret(w, r)), CSS: h.assets["signup.css"].url, JS: h.assets["signup.js"].url}
	base := r.URL.Path
	switch base {
	case pathSignup, pathCode, pathDone:
	case pathResend:
		base = pathCode
	default:
		base = pathSignup
	}
	for _, l := range languages {
		q := url.Values{"lang": {l.Lang}}
		if base == pathSignup {
			if rt := h.returnTo(formValue(r, "return_to")); rt != "" {
				q.Set("return_to", rt)
			}
		}
		v.LangLinks = append(v.LangLinks, langLink{Href: base + "?" + q.Encode(), Lang: l.Lang, Name: l.LangName, Current: l == m})
	}
	return v
}

// The form's field names.
const (
	fFirstName = "first_name"
	fLastName  = "last_name"
	fEmail     = "email"
	fPhone     = "phone"
	fCode      = "code"
)

// fieldOfBackend maps the API's field names to the form's.
var fieldOfBackend = map[string]string{
	coffeeshop.FieldFirstName:        fFirstName,
	coffeeshop.FieldLastName:         fLastName,
	coffeeshop.FieldEmail:            fEmail,
	coffeeshop.FieldPhoneNumber:      fPhone,
	coffeeshop.FieldVerificationCode: fCode,
}

func (h *handler) signupFields(m *messages, form url.Values) []field {
	return []field{
		{ID: fFirstName, Name: fFirstName, Label: m.FirstName, Type: "text", Autocomplete: "given-name", Value: form.Get(fFirstName)},
		{ID: fLastName, Name: fLastName, Label: m.LastName, Type: "text", Autocomplete: "family-name", Value: form.Get(fLastName)},
		{ID: fEmail, Name: fEmail, Label: m.Email, Type: "email", Autocomplete: "email", Value: form.Get(fEmail)},
		{ID: fPhone, Name: fPhone, Label: m.Phone, Type: "tel", Autocomplete: "tel", Inputmode: "tel", Value: form.Get(fPhone),
			Hint: fmt.Sprintf(m.PhoneHint, h.phoneExample)},
	}
}

func (h *handler) getSignup(w http.ResponseWriter, r *http.Request) {
	v := h.view(w, r)
	v.Title = v.T.SignupTitle
	v.Intro = v.T.SignupIntro
	v.Fields = h.signupFields(v.T, nil)
	v.RequestID = randomID()
	v.ReturnTo = h.returnTo(r.URL.Query().Get("return_to"))
	h.render(w, http.StatusOK, "signup.html", v)
}

func (h *handler) postSignup(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if !h.checkCSRF(r) {
		h.csrfRefused(w, r)
		return
	}
	f := r.PostForm
	requestID := f.Get("request_id")
	if !validSecret(requestID) {
		requestID = randomID() // a form we did not render: no double-submit protection to keep
	}
	returnTo := h.returnTo(f.Get("return_to"))
	c := NewCustomer{FirstName: f.Get(fFirstName), LastName: f.Get(fLastName), Email: f.Get(fEmail),
		PhoneNumber: f.Get(fPhone), RequestID: requestID}
	customerID, token, err := h.backend.SignUp(r.Context(), r, c)
	if err == nil && (customerID == "" || token == "") {
		err = errors.New("the backend answered no customer ID or token")
	}
	if err == nil {
		h.setSession(w, r, session{CustomerID: customerID, Token: token, ReturnTo: returnTo})
		http.Redirect(w, r, pathCode, http.StatusSeeOther)
		return
	}

	v := h.view(w, r)
	m := v.T
	status, fieldName, msg := h.signupError(m, f, err)
	if status >= 500 {
		h.backendFailed(w, r, "sign up", err)
		return
	}
	v.Title = m.SignupTitle
	v.Intro = m.SignupIntro
	v.Fields = h.signupFields(m, f)
	v.RequestID = requestID
	v.ReturnTo = returnTo
	v.Alert = msg
	for i := range v.Fields {
		if v.Fields[i].Name == fieldName {
			v.Fields[i].Error = msg
			v.AlertField = v.Fields[i].ID
		}
	}
	if ra := coffeeshop.ErrorRetryAfter(err); status == http.StatusTooManyRequests && ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(seconds(ra)))
	}
	if status == http.StatusBadRequest {
		v.RequestID = randomID() // the backend refused this one: a fresh try needs a fresh ID
	}
	h.render(w, status, "signup.html", v)
}

// signupError words a SignUp error: the status to answer, the form field it
// concerns ("" for the form as a whole) and the message. A status of 500 or
// more means an error the person cannot fix.
func (h *handler) signupError(m *messages, f url.Values, err error) (int, string, string) {
	wait := m.wait(coffeeshop.ErrorRetryAfter(err))
	switch coffeeshop.ErrorReason(err) {
	case coffeeshop.ReasonCountryNotAllowed:
		return http.StatusUnprocessableEntity, fPhone, m.ErrCountry
	case coffeeshop.ReasonNumberTypeNotAllowed:
		return http.StatusUnprocessableEntity, fPhone, m.ErrNumberType
	case coffeeshop.ReasonPrefixBlocked:
		return http.StatusTooManyRequests, fPhone, fmt.Sprintf(m.ErrPrefixBlocked, wait)
	case coffeeshop.ReasonSMSBudgetExhausted:
		return http.StatusTooManyRequests, fPhone, fmt.Sprintf(m.ErrBudget, wait)
	}
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.EINVALID:
		name := fieldOfBackend[FieldOf(err)]
		empty := strings.TrimSpace(f.Get(name)) == ""
		switch name {
		case fFirstName:
			return http.StatusUnprocessableEntity, name, pick(empty, m.ErrFirstNameEmpty, m.ErrFirstNameInvalid)
		case fLastName:
			return http.StatusUnprocessableEntity, name, pick(empty, m.ErrLastNameEmpty, m.ErrLastNameInvalid)
		case fEmail:
			return http.StatusUnprocessableEntity, name, pick(empty, m.ErrEmailEmpty, m.ErrEmailInvalid)
		case fPhone:
			return http.StatusUnprocessableEntity, name, fmt.Sprintf(pick(empty, m.ErrPhoneEmpty, m.ErrPhoneInvalid), h.phoneExample)
		}
		return http.StatusBadRequest, "", m.ErrCheckForm
	case coffeeshop.EUNDELIVERABLE:
		return http.StatusUnprocessableEntity, fPhone, m.ErrPhoneUndeliverable
	case coffeeshop.ETOOMANY:
		return http.StatusTooManyRequests, "", fmt.Sprintf(m.ErrTooMany, wait)
	case coffeeshop.ECONFLICT:
		switch name := fieldOfBackend[FieldOf(err)]; name {
		case fEmail:
			return http.StatusConflict, name, m.ErrEmailInUse
		case fPhone:
			return http.StatusConflict, name, m.ErrPhoneInUse
		}
		return http.StatusConflict, "", m.ErrCheckForm
	case coffeeshop.EUNAVAILABLE:
		return http.StatusServiceUnavailable, "", ""
	}
	return http.StatusInternalServerError, "", ""
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// seconds is d in whole seconds, rounded up, at least 1.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// csrfRefused answers 403 with a page that says why.
func (h *handler) csrfRefused(w http.ResponseWriter, r *http.Request) {
	h.messagePage(w, r, http.StatusForbidden, func(m *messages) (string, string) { return m.CSRFTitle, m.CSRF })
}

// backendFailed logs an error the person cannot fix and answers the
// friendly error page: 503 when retrying may help, 500 otherwise.
func (h *handler) backendFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := http.StatusInternalServerError
	if coffeeshop.ErrorCode(err) == coffeeshop.EUNAVAILABLE || errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
	}
	h.log.ErrorContext(r.Context(), "signup page: backend failed", "call", what, "code", coffeeshop.ErrorCode(err), "err", err)
	h.errorPage(w, r, status)
}

// sessionGone reports whether err says the person's token or customer no
// longer works, so the person has to start again.
func sessionGone(err error) bool {
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.ENOTFOUND, coffeeshop.EUNAUTHENTICATED, coffeeshop.EFORBIDDEN:
		return true
	}
	return false
}

// startAgain forgets the session and sends the person back to the form.
func (h *handler) startAgain(w http.ResponseWriter, r *http.Request) {
	h.clearSession(w, r)
	http.Redirect(w, r, pathSignup, http.StatusSeeOther)
}

// codeView builds the code step for s's verification ver, in its state.
func (h *handler) codeView(w http.ResponseWriter, r *http.Request, ver *coffeeshop.Verification) *view {
	v := h.view(w, r)
	m := v.T
	v.Title = m.CodeTitle
	v.Resend = true
	v.ResendLabel = m.ResendButton
	switch ver.Status {
	case coffeeshop.VerificationStatusMaxAttemptsReached:
		v.Alert = m.MaxAttempts
		v.ResendLabel = m.NewCodeButton
		return v
	case coffeeshop.VerificationStatusExpired:
		v.Alert = m.Expired
		v.ResendLabel = m.NewCodeButton
		return v
	case coffeeshop.VerificationStatusUndeliverable:
		v.Alert = m.Undeliverable
		v.Resend = false
		v.StartAgain = true
		return v
	}
	v.Intro = fmt.Sprintf(m.CodeIntro, h.codeLength)
	v.Code = &field{ID: fCode, Name: fCode, Label: m.CodeLabel, Type: "text", Autocomplete: "one-time-code", Inputmode: "numeric",
		Pattern: fmt.Sprintf("[0-9]{%d}", h.codeLength), MaxLength: h.codeLength}
	hints := []string{fmt.Sprintf(m.CodeHint, h.codeLength), m.triesLeft(ver.AttemptsLeft)}
	if left := ver.CodeExpiresAt.Sub(h.now()); !ver.CodeExpiresAt.IsZero() && left > 0 {
		hints = append(hints, fmt.Sprintf(m.CodeMinutes, m.minutes(left)))
	}
	v.Code.Hint = strings.Join(hints, " ")
	return v
}

func (h *handler) getCode(w http.ResponseWriter, r *http.Request) {
	s, ok := h.readSession(r)
	if !ok {
		http.Redirect(w, r, pathSignup, http.StatusSeeOther)
		return
	}
	v, _, ok := h.codeStep(w, r, s)
	if !ok {
		return
	}
	if r.URL.Query().Get("sent") == "1" && v.Code != nil {
		v.Notice = v.T.ResendSent
	}
	h.render(w, http.StatusOK, "code.html", v)
}

// status asks the backend where s's verification stands.
func (h *handler) status(r *http.Request, s session) (*coffeeshop.Verification, error) {
	ver, err := h.backend.Status(r.Context(), r, s.Token, s.CustomerID)
	if err == nil && ver == nil {
		err = errors.New("the backend answered no verification")
	}
	return ver, err
}

// stepFailed answers an error of a code step the page cannot word: back to
// the form when the session no longer works, the error page otherwise.
func (h *handler) stepFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if sessionGone(err) {
		h.startAgain(w, r)
		return
	}
	h.backendFailed(w, r, what, err)
}

func (h *handler) postCode(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if !h.checkCSRF(r) {
		h.csrfRefused(w, r)
		return
	}
	s, ok := h.readSession(r)
	if !ok {
		http.Redirect(w, r, pathSignup, http.StatusSeeOther)
		return
	}
	// People copy codes with spaces or dashes in them; the digits are what count.
	code := strings.Map(func(c rune) rune {
		if c == ' ' || c == '-' || c == '\u00a0' {
			return -1
		}
		return c
	}, r.PostForm.Get(fCode))
	res, err := h.backend.Verify(r.Context(), r, s.Token, s.CustomerID, code)
	if err != nil {
		h.codeError(w, r, s, err)
		return
	}
	if res == coffeeshop.VerificationSuccess {
		http.Redirect(w, r, pathDone, http.StatusSeeOther)
		return
	}
	v, ver, ok := h.codeStep(w, r, s)
	if !ok {
		return
	}
	m := v.T
	switch res {
	case coffeeshop.VerificationIncorrectCode:
		v.Alert = m.wrongCode(ver.AttemptsLeft)
	case coffeeshop.VerificationCodeExpired:
		v.Alert = m.CodeExpired
	case coffeeshop.VerificationMaxAttemptsReached:
		v.Alert = m.MaxAttempts
	case coffeeshop.VerificationExpired:
		v.Alert = m.Expired
	case coffeeshop.VerificationUndeliverable:
		v.Alert = m.Undeliverable
	}
	if v.Code != nil && v.Alert != "" {
		v.Code.Error = v.Alert
		v.AlertField = v.Code.ID
	}
	h.render(w, http.StatusUnprocessableEntity, "code.html", v)
}

// codeStep reads where s's verification stands and builds the code step
// for it; when the phone is verified already it sends the person to the
// end instead, and when the status cannot be read it answers the failure:
// ok is false in both cases and nothing more is to be written.
func (h *handler) codeStep(w http.ResponseWriter, r *http.Request, s session) (*view, *coffeeshop.Verification, bool) {
	ver, err := h.status(r, s)
	if err != nil {
		h.stepFailed(w, r, "status", err)
		return nil, nil, false
	}
	if ver.Status == coffeeshop.VerificationStatusVerified {
		http.Redirect(w, r, pathDone, http.StatusSeeOther)
		return nil, nil, false
	}
	return h.codeView(w, r, ver), ver, true
}

// codeError words an error of Verify or Resend on the code step.
func (h *handler) codeError(w http.ResponseWriter, r *http.Request, s session, err error) {
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.ECONFLICT:
		http.Redirect(w, r, pathDone, http.StatusSeeOther) // verified already
		return
	case coffeeshop.EINVALID, coffeeshop.ETOOMANY, coffeeshop.EUNDELIVERABLE:
	default:
		h.stepFailed(w, r, "verify", err)
		return
	}
	v, _, ok := h.codeStep(w, r, s)
	if !ok {
		return
	}
	m := v.T
	status := http.StatusUnprocessableEntity
	var msg string
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.EINVALID:
		msg = fmt.Sprintf(m.CodeFormat, h.codeLength)
	case coffeeshop.EUNDELIVERABLE:
		msg = m.Undeliverable
		v.StartAgain = true
	case coffeeshop.ETOOMANY:
		status = http.StatusTooManyRequests
		ra := coffeeshop.ErrorRetryAfter(err)
		if ra > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(seconds(ra)))
		}
		if r.URL.Path == pathResend {
			msg = fmt.Sprintf(m.ResendWait, m.wait(ra))
			if ra > 0 {
				v.Countdown = seconds(ra)
				v.WaitText = msg
				v.WaitOne = fmt.Sprintf(m.ResendWait, m.SecondOne)
				v.WaitMany = strings.Replace(fmt.Sprintf(m.ResendWait, m.SecondsMany), "%d", "{n}", 1)
				v.ReadyText = m.ResendReady
			}
		} else {
			msg = fmt.Sprintf(m.ErrTooMany, m.wait(ra))
		}
	}
	if v.Alert == "" || coffeeshop.ErrorCode(err) != coffeeshop.EINVALID {
		v.Alert = msg
	}
	if v.Code != nil && r.URL.Path == pathCode {
		v.Code.Error = v.Alert
		v.AlertField = v.Code.ID
	}
	h.render(w, status, "code.html", v)
}

func (h *handler) postResend(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	if !h.checkCSRF(r) {
		h.csrfRefused(w, r)
		return
	}
	s, ok := h.readSession(r)
	if !ok {
		http.Redirect(w, r, pathSignup, http.StatusSeeOther)
		return
	}
	if _, err := h.backend.Resend(r.Context(), r, s.Token, s.CustomerID); err != nil {
		h.codeError(w, r, s, err)
		return
	}
	http.Redirect(w, r, pathCode+"?sent=1", http.StatusSeeOther)
}

func (h *handler) getDone(w http.ResponseWriter, r *http.Request) {
	s, ok := h.readSession(r)
	if !ok {
		http.Redirect(w, r, pathSignup, http.StatusSeeOther)
		return
	}
	ver, err := h.status(r, s)
	if err != nil {
		h.stepFailed(w, r, "status", err)
		return
	}
	if ver.Status != coffeeshop.VerificationStatusVerified {
		http.Redirect(w, r, pathCode, http.StatusSeeOther)
		return
	}
	h.clearSession(w, r)
	v := h.view(w, r)
	v.Title = v.T.DoneTitle
	v.Message = v.T.DoneText
	v.ReturnTo = s.ReturnTo
	h.render(w, http.StatusOK, "done.html", v)
}
