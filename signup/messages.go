package signup

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// messages is every string the page shows, in one language. The templates
// hold none; strings with a %s or %d are formatted in Go.
type messages struct {
	Lang, LangName string

	Brand, LanguageNav, ProblemHeading, StartAgain string

	SignupTitle, SignupIntro, Required           string
	FirstName, LastName, Email, Phone, PhoneHint string // PhoneHint: %s the example
	SignupSubmit                                 string

	ErrFirstNameEmpty, ErrFirstNameInvalid string
	ErrLastNameEmpty, ErrLastNameInvalid   string
	ErrEmailEmpty, ErrEmailInvalid         string
	ErrPhoneEmpty, ErrPhoneInvalid         string // %s the example
	ErrCountry, ErrNumberType              string
	ErrPrefixBlocked, ErrBudget            string // %s the wait
	ErrTooMany                             string // %s the wait
	ErrPhoneUndeliverable, ErrCheckForm    string
	ErrEmailInUse, ErrPhoneInUse           string

	CodeTitle, CodeIntro, CodeLabel, CodeHint string // CodeIntro, CodeHint: %d the length
	CodeMinutes                               string // %s the time left
	TriesLeftOne, TriesLeftMany               string // %d the tries
	VerifySubmit                              string
	ResendIntro, ResendButton, NewCodeButton  string
	ResendSent, ResendWait, ResendReady       string // ResendWait: %s the wait
	ResendAlreadyVerified                     string
	WrongCodeOne, WrongCodeMany               string // %d the tries
	CodeExpired, MaxAttempts, Expired         string
	Undeliverable, CodeFormat                 string // CodeFormat: %d the length

	DoneTitle, DoneText, DoneReturn string

	ErrorTitle, Error, NotFoundTitle, NotFound   string
	BadRequestTitle, BadRequest, CSRFTitle, CSRF string
	TooLargeTitle, TooLarge                      string

	SecondOne, SecondsMany, MinuteOne, MinutesMany string // %d the number
}

var english = &messages{
	Lang: "en", LangName: "English",

	Brand: "GoCoffee", LanguageNav: "Language", ProblemHeading: "There is a problem", StartAgain: "Start again",

	SignupTitle: "Join GoCoffee",
	SignupIntro: "Order ahead and collect points. We will text you a code to check your phone number.",
	Required:    "All fields are required.",
	FirstName:   "First name", LastName: "Last name", Email: "Email address", Phone: "Mobile phone number",
	PhoneHint:    "Include the country code, for example %s.",
	SignupSubmit: "Send me a code",

	ErrFirstNameEmpty: "Enter your first name.", ErrFirstNameInvalid: "This first name cannot be used. Check it and try again.",
	ErrLastNameEmpty: "Enter your last name.", ErrLastNameInvalid: "This last name cannot be used. Check it and try again.",
	ErrEmailEmpty: "Enter your email address.", ErrEmailInvalid: "Enter an email address like name@example.com.",
	ErrPhoneEmpty:         "Enter your mobile phone number, for example %s.",
	ErrPhoneInvalid:       "This is not a phone number we can use. Enter a mobile number with its country code, for example %s.",
	ErrCountry:            "We cannot send texts to phone numbers in this country.",
	ErrNumberType:         "This number cannot receive our texts. Please use a mobile phone number.",
	ErrPrefixBlocked:      "We are not sending texts to numbers like this one right now. Try again in %s.",
	ErrBudget:             "We are sending too many texts right now. Try again in %s.",
	ErrTooMany:            "Too many tries. Try again in %s.",
	ErrPhoneUndeliverable: "We could not send a text to this number. Check it, or use another mobile number.",
	ErrCheckForm:          "Please check the details you entered and try again.",
	ErrEmailInUse:         "This email address is already signed up. Use another one.",
	ErrPhoneInUse:         "This phone number is already signed up. Use another one.",

	CodeTitle:     "Check your phone",
	CodeIntro:     "We have sent you a text message with a %d-digit code.",
	CodeLabel:     "Code from the text message",
	CodeHint:      "Enter the %d digits.",
	CodeMinutes:   "The code works for about %s.",
	TriesLeftOne:  "You have 1 try left.",
	TriesLeftMany: "You have %d tries left.",
	VerifySubmit:  "Check the code",
	ResendIntro:   "No text message?", ResendButton: "Send a new code", NewCodeButton: "Send me a new code",
	ResendSent:            "A new code is on its way.",
	ResendWait:            "You can ask for a new code in %s.",
	ResendReady:           "You can ask for a new code now.",
	ResendAlreadyVerified: "Your phone is verified already.",
	WrongCodeOne:          "That code is not right. 1 try left. We have sent you a new code.",
	WrongCodeMany:         "That code is not right. %d tries left. We have sent you a new code.",
	CodeExpired:           "That code had expired; we have sent you a new one.",
	MaxAttempts:           "Too many wrong codes. Start again.",
	Expired:               "This verification has expired. Start again.",
	Undeliverable:         "We could not send a text message to your phone. Check the number and start again.",
	CodeFormat:            "Enter the %d-digit code from the text message.",

	DoneTitle:  "Your phone is verified",
	DoneText:   "Thank you. Welcome to GoCoffee!",
	DoneReturn: "Back to the shop",

	ErrorTitle: "Something went wrong", Error: "Something went wrong, please try again.",
	NotFoundTitle: "Page not found", NotFound: "There is no page at this address.",
	BadRequestTitle: "We could not read the form", BadRequest: "The form could not be read. Please try again.",
	TooLargeTitle: "The form is too large", TooLarge: "The form you sent is too large. Go back, shorten what you typed and try again.",
	CSRFTitle: "This form has expired",
	CSRF:      "For your safety we could not accept this form: it has expired or did not come from this page. Go back, reload the page and try again.",

	SecondOne: "1 second", SecondsMany: "%d seconds", MinuteOne: "1 minute", MinutesMany: "%d minutes",
}

var spanish = &messages{
	Lang: "es", LangName: "Español",

	Brand: "GoCoffee", LanguageNav: "Idioma", ProblemHeading: "Hay un problema", StartAgain: "Empezar de nuevo",

	SignupTitle: "Únete a GoCoffee",
	SignupIntro: "Pide por adelantado y acumula puntos. Te enviaremos un código por SMS para comprobar tu número de teléfono.",
	Required:    "Todos los campos son obligatorios.",
	FirstName:   "Nombre", LastName: "Apellidos", Email: "Correo electrónico", Phone: "Número de móvil",
	PhoneHint:    "Incluye el prefijo del país, por ejemplo %s.",
	SignupSubmit: "Enviarme un código",

	ErrFirstNameEmpty: "Escribe tu nombre.", ErrFirstNameInvalid: "No podemos usar este nombre. Revísalo e inténtalo de nuevo.",
	ErrLastNameEmpty: "Escribe tus apellidos.", ErrLastNameInvalid: "No podemos usar estos apellidos. Revísalos e inténtalo de nuevo.",
	ErrEmailEmpty: "Escribe tu correo electrónico.", ErrEmailInvalid: "Escribe un correo electrónico como nombre@ejemplo.com.",
	ErrPhoneEmpty:         "Escribe tu número de móvil, por ejemplo %s.",
	ErrPhoneInvalid:       "No podemos usar este número. Escribe un número de móvil con el prefijo del país, por ejemplo %s.",
	ErrCountry:            "No podemos enviar SMS a números de este país.",
	ErrNumberType:         "Este número no puede recibir nuestros SMS. Usa un número de móvil.",
	ErrPrefixBlocked:      "Ahora mismo no enviamos SMS a números como este. Inténtalo de nuevo dentro de %s.",
	ErrBudget:             "Ahora mismo estamos enviando demasiados SMS. Inténtalo de nuevo dentro de %s.",
	ErrTooMany:            "Demasiados intentos. Inténtalo de nuevo dentro de %s.",
	ErrPhoneUndeliverable: "No hemos podido enviar un SMS a este número. Revísalo o usa otro número de móvil.",
	ErrCheckForm:          "Revisa los datos que has escrito e inténtalo de nuevo.",
	ErrEmailInUse:         "Este correo electrónico ya está registrado. Usa otro.",
	ErrPhoneInUse:         "Este número de teléfono ya está registrado. Usa otro.",

	CodeTitle:     "Mira tu teléfono",
	CodeIntro:     "Te hemos enviado un SMS con un código de %d cifras.",
	CodeLabel:     "Código del SMS",
	CodeHint:      "Escribe las %d cifras.",
	CodeMinutes:   "El código vale durante unos %s.",
	TriesLeftOne:  "Te queda 1 intento.",
	TriesLeftMany: "Te quedan %d intentos.",
	VerifySubmit:  "Comprobar el código",
	ResendIntro:   "¿No te ha llegado el SMS?", ResendButton: "Enviar un código nuevo", NewCodeButton: "Enviarme un código nuevo",
	ResendSent:            "Te hemos enviado un código nuevo.",
	ResendWait:            "Podrás pedir un código nuevo dentro de %s.",
	ResendReady:           "Ya puedes pedir un código nuevo.",
	ResendAlreadyVerified: "Tu teléfono ya está verificado.",
	WrongCodeOne:          "Ese código no es correcto. Te queda 1 intento. Te hemos enviado un código nuevo.",
	WrongCodeMany:         "Ese código no es correcto. Te quedan %d intentos. Te hemos enviado un código nuevo.",
	CodeExpired:           "Ese código había caducado; te hemos enviado uno nuevo.",
	MaxAttempts:           "Demasiados códigos incorrectos. Empieza de nuevo.",
	Expired:               "Esta verificación ha caducado. Empieza de nuevo.",
	Undeliverable:         "No hemos podido enviar un SMS a tu teléfono. Revisa el número y empieza de nuevo.",
	CodeFormat:            "Escribe el código de %d cifras del SMS.",

	DoneTitle:  "Tu teléfono está verificado",
	DoneText:   "Gracias. ¡Bienvenido a GoCoffee!",
	DoneReturn: "Volver a la tienda",

	ErrorTitle: "Algo ha fallado", Error: "Algo ha fallado, inténtalo de nuevo.",
	NotFoundTitle: "Página no encontrada", NotFound: "No hay ninguna página en esta dirección.",
	BadRequestTitle: "No hemos podido leer el formulario", BadRequest: "No hemos podido leer el formulario. Inténtalo de nuevo.",
	TooLargeTitle: "El formulario es demasiado grande", TooLarge: "El formulario que has enviado es demasiado grande. Vuelve atrás, acorta lo que has escrito e inténtalo de nuevo.",
	CSRFTitle: "Este formulario ha caducado",
	CSRF:      "Por tu seguridad no hemos aceptado este formulario: ha caducado o no viene de esta página. Vuelve atrás, recarga la página e inténtalo de nuevo.",

	SecondOne: "1 segundo", SecondsMany: "%d segundos", MinuteOne: "1 minuto", MinutesMany: "%d minutos",
}

// languages are the page's languages, the default first.
var languages = []*messages{english, spanish}

func lookupLang(tag string) *messages {
	for _, m := range languages {
		if strings.EqualFold(tag, m.Lang) {
			return m
		}
	}
	return nil
}

// chooseLang picks the page's language: a lang parameter (which also sets
// the cookie, so the choice sticks), else the cookie, else Accept-Language,
// else English.
func (h *handler) chooseLang(w http.ResponseWriter, r *http.Request) *messages {
	p := r.URL.Query().Get("lang")
	if p == "" && r.PostForm != nil {
		p = r.PostForm.Get("lang")
	}
	if m := lookupLang(p); m != nil {
		http.SetCookie(w, h.cookie(r, cookieLang, m.Lang, 365*24*60*60))
		return m
	}
	if c, err := r.Cookie(cookieLang); err == nil {
		if m := lookupLang(c.Value); m != nil {
			return m
		}
	}
	if m := fromAcceptLanguage(r.Header.Get("Accept-Language")); m != nil {
		return m
	}
	return english
}

// fromAcceptLanguage returns the language the header prefers most among
// the page's, by primary subtag and q value; nil when none fits.
func fromAcceptLanguage(header string) *messages {
	if len(header) > 1024 {
		header = header[:1024]
	}
	type pref struct {
		m *messages
		q float64
	}
	var prefs []pref
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
		m := lookupLang(primary)
		if primary == "*" {
			m = english
		}
		if m != nil {
			prefs = append(prefs, pref{m, q})
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	if len(prefs) == 0 {
		return nil
	}
	return prefs[0].m
}

// wait says d in words: seconds up to two minutes, minutes (rounded up)
// after.
func (m *messages) wait(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	switch {
	case s == 1:
		return m.SecondOne
	case s < 120:
		return fmt.Sprintf(m.SecondsMany, s)
	}
	return m.minutes(d)
}

func (m *messages) minutes(d time.Duration) string {
	n := int((d + time.Minute - 1) / time.Minute)
	if n <= 1 {
		return m.MinuteOne
	}
	return fmt.Sprintf(m.MinutesMany, n)
}

func (m *messages) triesLeft(n int) string {
	if n == 1 {
		return m.TriesLeftOne
	}
	return fmt.Sprintf(m.TriesLeftMany, n)
}

func (m *messages) wrongCode(n int) string {
	if n == 1 {
		return m.WrongCodeOne
	}
	return fmt.Sprintf(m.WrongCodeMany, n)
}
