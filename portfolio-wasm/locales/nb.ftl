# Carefolios porteføljevisning, på norsk bokmål.

## Siden

loading = Laster…
portfolio-failed = Porteføljen din kunne ikke lastes. { $detail }
heading-learner = Porteføljen til { $name }
heading-anonymous = Porteføljen din
heading-teacher = Deltakernes framgang
language-choice = Språk
nav-label = Deler av porteføljen
tab-map = Mine kompetanser
tab-evidence = Min dokumentasjon
tab-collections = Samlinger
tab-sharing = Deling
tab-sharing-new = Deling ({ $count } nye)
tab-learners = Deltakere
tab-shared-with-me = Delt med deg

## Feil

error-other = Noe gikk galt: { $detail }
error-expired = Økten din er avsluttet. Åpne Carefolio på nytt fra kurset ditt.
error-file-too-large = Filen er for stor. Velg en mindre fil, eller gjør bildet eller videoen mindre først.
error-file-type = Denne filtypen kan ikke legges til. Bilder, PDF-dokumenter, lyd- og videofiler går fint.
error-file-mismatch = Filen er ikke det navnet sier. Lagre den på nytt i riktig format og prøv igjen.
error-file-empty = Filen er tom.
error-upload-incomplete = Filen kom ikke helt fram. Sjekk tilkoblingen og prøv igjen; ingenting ble lagret.
error-no-file = Velg en fil først, eller dra en fil til boksen.
error-choose-person = Velg personen du vil dele med.
error-title = Gi det et navn på høyst 200 tegn.
error-url = Skriv hele nettadressen, som begynner med https://
error-body = Teksten er tom eller for lang (høyst 20 000 tegn).

## Kompetansekart

map-title = Mine kompetanser
map-intro = For hver kompetanse: si hvor sikker du føler deg, og legg til dokumentasjon på hva du kan.
map-no-framework = Ingen kompetanseramme er satt opp ennå. Spør opplæringsstedet ditt.
map-summary = { $framework }: dokumentasjon for { $with } av { $total } kompetanser. Du har vurdert deg selv på { $rated }.
map-summary-learner = { $framework }: dokumentasjon for { $with } av { $total } kompetanser. Deltakeren har vurdert seg selv på { $rated }.
group-summary = { $with } av { $total } med dokumentasjon
evidence-count = { $count ->
    [0] Ingen dokumentasjon ennå
    [one] 1 bevis
   *[other] { $count } bevis
}
text-incomplete = Rammeverkets tekst for denne kompetansen er ufullstendig.
rating-label = Hvor sikker er du på { $code }?
rating-none = Ikke vurdert ennå
rating-not-yet = Ikke ennå
rating-beginning = Begynner
rating-mostly = For det meste
rating-confident = Trygg
rating-saved = Vurderingen din av { $code } er lagret.
rating-read = Egen vurdering: { $rating }
framework-label = Kompetanseramme
add-evidence = Legg til dokumentasjon
add-evidence-short = Legg til
add-evidence-for = Legg til dokumentasjon for { $code }
suggestions-title = Ditt neste steg
suggestions-intro = Aktiviteter i dette kurset for det du vurderte lavest:
suggestion-covers = Dekker { $codes }
untitled-activity = En aktivitet

activity-competences = Denne aktiviteten handler om
activity-open = Start læringsaktiviteten
activity-open-link = Nettleseren åpnet ikke et nytt vindu. Åpne læringsaktiviteten her.
activity-opened = Læringsaktiviteten åpnet seg i et nytt vindu. Det du gjør der, kommer tilbake hit.
recent-title = Det du har gjort nylig
recent-intro = Læringsaktivitetene dine har meldt dette. Behold det som viser hva du kan.
recent-keep = Behold som dokumentasjon
recent-keep-named = Behold «{ $what }» som dokumentasjon
recent-kept = Lagret som dokumentasjon, med kompetansene den viser. Skriv gjerne noen ord om hva du lærte.
recent-shows = Viser: { $competences }
recent-hide = Ikke aktuelt
recent-hide-named = Ikke aktuelt: «{ $what }»
recent-hidden = Skjult. Den blir ikke foreslått igjen.

## Dokumentasjon

evidence-title = Min dokumentasjon
evidence-none = Du har ingen dokumentasjon ennå. Legg til et bilde, et dokument, noe du har skrevet eller en lenke.
evidence-total = { $count ->
    [one] 1 bevis
   *[other] { $count } bevis
}
untagged = Ikke knyttet til en kompetanse ennå
care-flag = Om en person du gir omsorg til: vises aldri gjennom en lenke
kind-file = Fil
kind-reflection = Tekst
kind-link = Lenke
kind-activity = Aktivitetslogg
tags-label = Kompetanser
image-alt = Bilde: { $title }
open-file = Åpne { $name } ({ $size })
export-title = Ta med deg porteføljen
export-intro = Last ned alt som én fil: en nettside du kan åpne uten internett, alle filene dine og en kopi som andre e-porteføljer (som Mahara) kan importere.
export-button = Last ned porteføljen min
export-started = Nedlastingen har startet.

## Legge til dokumentasjon

back-to-evidence = ← Tilbake til min dokumentasjon
add-title = Legg til dokumentasjon
add-kind-legend = Hva vil du legge til?
add-kind-file = Et bilde, dokument, lydopptak eller video
add-kind-reflection = Noe jeg har skrevet
add-kind-link = En lenke til en nettside
drop-text = Dra en fil hit
drop-choose = Eller velg en fil
drop-chosen = Valgt: { $name } ({ $size })
drop-hint = Bilder, PDF-dokumenter, lyd- og videofiler.
add-body = Hva gjorde du, og hva lærte du?
add-body-hint = Du kan bruke *stjerner* for utheving og begynne linjer med - for en liste.
add-url = Nettadresse
add-name = Navn
add-name-hint = Et kort navn, så du finner det igjen.
add-name-hint-file = Et kort navn, så du finner det igjen. Står det tomt, brukes filnavnet.
tags-legend = Hvilke kompetanser viser det?
tags-hint = Velg én eller flere, og nivå der det finnes nivåer.
tag-pick-label = Kompetanse
tag-pick-none = Velg en kompetanse…
tag-add = Legg til kompetanse
competence-elsewhere = En kompetanse fra en annen ramme
level-for = Nivå for { $code }
remove = Fjern
remove-tag = Fjern { $name }
care-label = Dette beskriver en person jeg gir omsorg til
care-hint = Det vises aldri gjennom en lenke, bare for personer du velger ved navn.
add-save = Lagre dokumentasjon
upload-progress = Sender { $name }: { $percent } %
evidence-saved = «{ $title }» er lagret i porteføljen din.

## Ett bevis

item-missing = Denne dokumentasjonen finnes ikke lenger.
item-edit-title = Endre
item-save = Lagre endringer
evidence-withdrawn = Aktiviteten som sendte denne registreringen, har trukket den tilbake. Du kan beholde den eller slette den.
changes-saved = Endringene er lagret.
delete-item = Slett denne dokumentasjonen
delete-confirm = Slette denne dokumentasjonen for godt? Det kan ikke angres.
delete-yes = Ja, slett den
delete-no = Nei, behold den
evidence-deleted = Dokumentasjonen er slettet.
comments-heading = Kommentarer
comments-none = Ingen kommentarer ennå.
comment-label = Skriv en kommentar
comment-send = Send kommentar
comment-sent = Kommentaren din er sendt.
comments-show = Kommentarer
comments-show-named = Kommentarer til { $title }

## Samlinger

collections-title = Samlinger
collections-intro = Sett sammen dokumentasjon for et formål, for eksempel en praksisperiode eller en vurdering, i den rekkefølgen du vil vise den.
collections-none = Du har ingen samlinger ennå.
collection-new = Ny samling
collection-size = { $count ->
    [one] 1 bevis
   *[other] { $count } bevis
}
back-to-collections = ← Tilbake til samlinger
collection-name = Navn
collection-name-hint = For eksempel: Praksis i likepersonsarbeid, våren
collection-introduction = Innledning
collection-introduction-hint = Noen ord til den som leser.
collection-order = I denne rekkefølgen
collection-empty = Ingenting valgt ennå: kryss av dokumentasjon nedenfor.
collection-pick = Dokumentasjon i denne samlingen
move-up = Flytt opp
move-down = Flytt ned
move-up-named = Flytt { $title } opp
move-down-named = Flytt { $title } ned
collection-save = Lagre samlingen
collection-saved = Samlingen «{ $title }» er lagret.
collection-delete = Slett denne samlingen
collection-deleted = Samlingen er slettet. Dokumentasjonen i den er fortsatt i porteføljen din.

## Deling

sharing-title = Deling
sharing-intro = Ingen ser porteføljen din før du deler den. Du kan slutte å dele når som helst.
share-new = Del
share-what = Hva vil du dele
share-what-all = Hele porteføljen min
share-what-collection = Samlingen «{ $title }»
share-whom = Med hvem
share-kind-person = Én person i kurset mitt
share-kind-person-hint = En medstudent eller en vurderer, ved navn. De kan kommentere.
share-kind-course = Lærerne i kurset mitt
share-kind-course-hint = Lærerne ser det sammen med kompetansene dine. De kan kommentere.
share-kind-link = Alle jeg gir en lenke til
share-kind-link-hint = For eksempel en arbeidsgiver. Dokumentasjon om en person du gir omsorg til vises aldri.
share-person = Person
share-person-hint = Bare personer som har åpnet Carefolio fra dette kurset, vises.
share-person-none = Velg en person…
person-teacher = { $name } (lærer)
share-days = Lenken virker i
share-days-7 = 7 dager
share-days-30 = 30 dager
share-days-90 = 90 dager
share-days-never = Til jeg stopper den
share-save = Del
share-made = Delt.
share-link-made = Lenken din er klar. Kopier den nå: den vises bare én gang.
share-link-label = Lenken din
share-link-hint = Alle med denne adressen kan lese det du delte, til den utløper eller du stopper den.
shares-title = Delt nå
shares-none = Du deler ingenting.
share-line = { $whom }: { $what }
share-whom-course = Lærerne i kurset mitt
share-whom-link = Alle med lenken
share-until = til { $date }
share-revoke = Slutt å dele
share-revoke-named = Slutt å dele med { $whom }
share-revoked = Du sluttet å dele. Det virker ikke lenger.
unseen-title = { $count ->
    [one] 1 ny kommentar
   *[other] { $count } nye kommentarer
}
unseen-on = Til «{ $title }»
comments-mark-read = Merk som lest
comments-marked-read = Kommentarene er merket som lest.
audit-title = Hvem har sett
audit-intro = Hver gang noen andre åpner dokumentasjonen din, skrives det her.
audit-none = Ingen har sett dokumentasjonen din ennå.
audit-read-item = { $who } leste «{ $what }»
audit-read-file = { $who } åpnet filen i «{ $what }»
audit-comment = { $who } kommenterte «{ $what }»
audit-link-holder = Noen med lenken din
audit-someone = Noen
shared-with-me-title = Delt med deg
shared-with-me-none = Ingen har delt noe med deg ennå.
shared-portfolio = Porteføljen til { $owner }
shared-collection = { $owner }: { $title }
back-to-shared = ← Tilbake
shared-read-only = Du kan lese og kommentere. Bare eieren kan endre det.
shared-empty = Det er ingenting å vise her.

## Lærere

learners-title = Deltakere i dette kurset
roster-loading = Henter deltakerlisten fra kurset…
roster-refresh = Oppdater listen
roster-not-offered = Kursets deltakerliste er ikke tilgjengelig: LMS-et deler den ikke med Carefolio. Be LMS-administratoren om å slå på deltakertjenesten (i Moodle: «IMS LTI Names and Role Provisioning») for Carefolio.
roster-unavailable = LMS-et kunne ikke nås for å hente deltakerlisten. Prøv igjen om noen minutter.
roster-teachers-only = Bare kursets lærere kan se deltakerne.
roster-failed = Deltakerlisten kunne ikke lastes: { $detail }
roster-empty = Ingen deltakere er meldt på dette kurset ennå.
roster-summary = { $count ->
    [one] 1 deltaker
   *[other] { $count } deltakere
}, med framgang på { $competences ->
    [one] aktivitetens kompetanse
   *[other] aktivitetens { $competences } kompetanser
}.
roster-updated = Liste fra kurset, oppdatert { $time }.
learner-without-name = En deltaker uten navn
roster-not-started = Har ikke åpnet Carefolio ennå
roster-started = Har åpnet Carefolio
roster-progress = { $covered } av { $total } kompetanser
roster-inactive = Ikke aktiv i kurset
roster-open-map = Se kompetanser
roster-open-map-named = Se kompetansene til { $name }
back-to-learners = ← Tilbake til deltakerne
learner-map-title = Kompetansene til { $name }
learner-map-intro = Bare dokumentasjon som deltakeren har delt med kursets lærere, telles.

## Vurdering: krav, vurdererens kø, avgjørelser

tab-queue = Til vurdering
claim-status-draft = Ikke sendt ennå
claim-status-submitted = Venter på en vurderer
claim-status-in-review = Blir vurdert
claim-status-accepted = Godkjent
claim-status-more-evidence-needed = Trenger mer dokumentasjon
claim-status-not-yet-competent = Ikke ennå
claim-status-withdrawn = Trukket tilbake
claim-status-line = Vurdering: { $status }
outcome-accepted = Godkjenn: dokumentasjonen viser kompetansen
outcome-more-evidence-needed = Be om mer dokumentasjon
outcome-not-yet-competent = Ikke ennå: dokumentasjonen viser det ikke
claim-ask = Be om vurdering
claim-ask-for = Be om vurdering av { $code }
claim-send-again = Send på nytt med mer dokumentasjon
claim-send-again-for = Send { $code } på nytt med mer dokumentasjon
back-to-map = ← Tilbake til mine kompetanser
claim-title = Be om vurdering: { $code } { $title }
claim-title-unknown = Be om vurdering
claim-intro = En vurderer leser det du skriver og dokumentasjonen du velger, og forteller deg hva de har bestemt.
claim-assessor-said = Vurdereren din skrev:
claim-level = Nivået du viser
claim-level-hint = Velg nivået dokumentasjonen din viser.
claim-statement = Hva du kan
claim-statement-hint = Med noen setninger: hva du gjorde, og hva det viser at du kan.
claim-statement-missing = Skriv noen setninger om hva du kan før du sender.
claim-evidence = Dokumentasjon du sender med
claim-no-evidence = Du har ingen dokumentasjon for denne kompetansen ennå. Legg til noe først: vurdereren trenger noe å se på.
claim-send = Send til vurdering
claim-sent = Sendt. Vurdereren din ser på det; svaret kommer her.
badges-title = Dine merker
badge-awarded = Tildelt { $date }
badge-revoked = Trukket tilbake: { $reason }
badge-download-credential = Last ned bevis
badge-download-credential-of = Last ned beviset for { $name }
badge-download-image = Last ned bilde
badge-download-image-of = Last ned bildet av { $name }
badge-make-public = Vis på nettet
badge-make-private = Gjør privat
badge-public-page = Se den offentlige siden
badge-now-public = Merket er nå på nettet. Alle med adressen kan sjekke det.
badge-now-private = Merket er privat igjen.
queue-title = Krav til vurdering
queue-intro = De eldste kravene kommer først. Åpne ett for å lese dokumentasjonen og avgjøre.
queue-empty = Ingenting venter på deg. Nye krav kommer her.
queue-count = { $total ->
    [one] { $shown } av 1 krav vises
   *[other] { $shown } av { $total } krav vises
}
queue-awaiting-lead = vurdererne er uenige: du avgjør
queue-waiting-since = sendt { $date }
queue-evidence = { $count ->
    [one] 1 bevis
   *[other] { $count } bevis
}
queue-review = Vurder
queue-review-named = Vurder kravet fra { $name } om { $code }
queue-filters = Vis bare
queue-filter-competence = Kompetanse
queue-filter-learner = Deltaker
queue-filter-status = Status
queue-filter-all = Alle
back-to-queue = ← Tilbake til krav til vurdering
review-title = { $name }: { $code }
review-title-unknown = Krav
review-level = nivå { $level }
review-round = sendt { $round } ganger
review-statement = Hva deltakeren skriver
review-evidence = { $count ->
    [one] Dokumentasjonen (1)
   *[other] Dokumentasjonen ({ $count })
}
review-history = Avgjørelser så langt
review-history-line = Runde { $round }: { $name } — { $outcome }
review-reconciled = avgjort av hovedvurdereren
review-nothing-to-do = Du har avgjort dette kravet. Det venter på de andre vurdererne.
decision-title = Din avgjørelse
decision-title-reconcile = Avgjør kravet
decision-reconcile-intro = Vurdererne er uenige. Som hovedvurderer velger du utfallet og sier hvorfor.
decision-outcome = Utfall
decision-feedback = Tilbakemelding til deltakeren
decision-feedback-hint = Hva de gjorde bra, og hva de kan gjøre videre. De kommer til å lese den.
decision-reason = Hvorfor dette utfallet
decision-reason-hint = Lagres sammen med avgjørelsene du avgjør mellom.
decision-save = Lagre avgjørelsen
decision-save-reconcile = Avgjør kravet
decision-saved = Avgjørelsen er lagret. Deltakeren får se den.
decision-outcome-missing = Velg et utfall først.
