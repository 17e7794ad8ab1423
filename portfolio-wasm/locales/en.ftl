# Carefolio's portfolio widget, in English.
# To add a language, copy this file to <language>.ftl (for example sv.ftl)
# and translate the text after each "=". Keep the names in { $braces }.

## The page

loading = Loading…
portfolio-failed = Your portfolio could not be loaded. { $detail }
heading-learner = { $name }'s portfolio
heading-anonymous = Your portfolio
heading-teacher = Your learners' progress
language-choice = Language
nav-label = Portfolio sections
tab-map = My competences
tab-evidence = My evidence
tab-collections = Collections
tab-sharing = Sharing
tab-sharing-new = Sharing ({ $count } new)
tab-learners = Learners
tab-shared-with-me = Shared with you

## Errors

error-other = Something went wrong: { $detail }
error-expired = Your session has ended. Open Carefolio again from your course.
error-file-too-large = This file is too large. Choose a smaller file, or make the photo or video smaller first.
error-file-type = This type of file cannot be added. Photos, PDF documents, sound and video files work.
error-file-mismatch = This file is not what its name says. Save it again in its real format and try again.
error-file-empty = This file is empty.
error-upload-incomplete = The file did not arrive completely. Check your connection and try again; nothing was saved.
error-no-file = Choose a file first, or drag one onto the box.
error-choose-person = Choose the person you want to share with.
error-title = Give it a name, of at most 200 characters.
error-url = Write the whole web address, starting with https://
error-body = The text is empty or too long (at most 20 000 characters).

## Competence map

map-title = My competences
map-intro = For each competence, say how sure you feel and add evidence of what you can do.
map-no-framework = No competence framework is set up yet. Ask your training provider.
map-summary = { $framework }: evidence for { $with } of { $total } competences. You have rated yourself on { $rated }.
map-summary-learner = { $framework }: evidence for { $with } of { $total } competences. They have rated themselves on { $rated }.
group-summary = { $with } of { $total } with evidence
evidence-count = { $count ->
    [0] No evidence yet
    [one] 1 piece of evidence
   *[other] { $count } pieces of evidence
}
text-incomplete = The framework's text for this competence is incomplete.
rating-label = How sure are you about { $code }?
rating-none = Not rated yet
rating-not-yet = Not yet
rating-beginning = Beginning
rating-mostly = Mostly
rating-confident = Confident
rating-saved = Your rating for { $code } is saved.
rating-read = Their own rating: { $rating }
framework-label = Competence framework
add-evidence = Add evidence
add-evidence-short = Add evidence
add-evidence-for = Add evidence for { $code }
suggestions-title = Your next step
suggestions-intro = Activities in this course for what you rated lowest:
suggestion-covers = Covers { $codes }
untitled-activity = An activity

activity-competences = This activity is about
activity-open = Start the learning activity
activity-open-link = Your browser did not open a new window. Open the learning activity here.
activity-opened = The learning activity opened in a new window. What you do there comes back here.
recent-title = What you did recently
recent-intro = Your learning activities reported these. Keep the ones that show what you can do.
recent-keep = Keep as evidence
recent-keep-named = Keep “{ $what }” as evidence
recent-kept = Kept as evidence, with the competences it shows. Add a few words about what you learned.
recent-shows = Shows: { $competences }
recent-hide = Not needed
recent-hide-named = Not needed: “{ $what }”
recent-hidden = Hidden. It will not be offered again.

## Evidence

evidence-title = My evidence
evidence-none = You have no evidence yet. Add a photo, a document, something you wrote or a link.
evidence-total = { $count ->
    [one] 1 piece of evidence
   *[other] { $count } pieces of evidence
}
untagged = Not linked to a competence yet
care-flag = About a person you care for: never shown through a link
kind-file = File
kind-reflection = Writing
kind-link = Link
kind-activity = Activity record
tags-label = Competences
image-alt = Picture: { $title }
open-file = Open { $name } ({ $size })
export-title = Take your portfolio with you
export-intro = Download everything as one file: a web page you can open without internet, all your files, and a copy other e-portfolios (such as Mahara) can import.
export-button = Download my portfolio
export-started = Your download has started.

## Adding evidence

back-to-evidence = ← Back to my evidence
add-title = Add evidence
add-kind-legend = What do you want to add?
add-kind-file = A photo, document, sound or video
add-kind-reflection = Something I wrote
add-kind-link = A link to a web page
drop-text = Drag a file here
drop-choose = Or choose a file
drop-chosen = Chosen: { $name } ({ $size })
drop-hint = Photos, PDF documents, sound and video files.
add-body = What did you do, and what did you learn?
add-body-hint = You can use *stars* for emphasis and start lines with - for a list.
add-url = Web address
add-name = Name
add-name-hint = A short name, to find it again.
add-name-hint-file = A short name, to find it again. If you leave it empty, the file's name is used.
tags-legend = Which competences does it show?
tags-hint = Choose one or more, and the level where there are levels.
tag-pick-label = Competence
tag-pick-none = Choose a competence…
tag-add = Add competence
competence-elsewhere = A competence of another framework
level-for = Level for { $code }
remove = Remove
remove-tag = Remove { $name }
care-label = This describes a person I care for
care-hint = It will never be shown through a link, only to people you choose by name.
add-save = Save evidence
upload-progress = Sending { $name }: { $percent } %
evidence-saved = “{ $title }” is saved in your portfolio.

## One item

item-missing = This evidence is not there any more.
item-edit-title = Change it
item-save = Save changes
evidence-withdrawn = The activity that sent this record has withdrawn it. You can keep the item or delete it.
changes-saved = Your changes are saved.
delete-item = Delete this evidence
delete-confirm = Delete this evidence for good? This cannot be undone.
delete-yes = Yes, delete it
delete-no = No, keep it
evidence-deleted = The evidence is deleted.
comments-heading = Comments
comments-none = No comments yet.
comment-label = Write a comment
comment-send = Send comment
comment-sent = Your comment is sent.
comments-show = Comments
comments-show-named = Comments on { $title }

## Collections

collections-title = Collections
collections-intro = Put evidence together for a purpose, for example a placement or an assessment, in the order you want to show it.
collections-none = You have no collections yet.
collection-new = New collection
collection-size = { $count ->
    [one] 1 piece of evidence
   *[other] { $count } pieces of evidence
}
back-to-collections = ← Back to collections
collection-name = Name
collection-name-hint = For example: Peer support placement, spring
collection-introduction = Introduction
collection-introduction-hint = A few words for whoever reads it.
collection-order = In this order
collection-empty = Nothing chosen yet: tick evidence below.
collection-pick = Evidence in this collection
move-up = Move up
move-down = Move down
move-up-named = Move { $title } up
move-down-named = Move { $title } down
collection-save = Save collection
collection-saved = The collection “{ $title }” is saved.
collection-delete = Delete this collection
collection-deleted = The collection is deleted. The evidence in it is still in your portfolio.

## Sharing

sharing-title = Sharing
sharing-intro = Nobody sees your portfolio until you share it. You can stop sharing at any time.
share-new = Share
share-what = What to share
share-what-all = My whole portfolio
share-what-collection = The collection “{ $title }”
share-whom = With whom
share-kind-person = One person in my course
share-kind-person-hint = A fellow learner or an assessor, by name. They can comment.
share-kind-course = My course's teachers
share-kind-course-hint = The teachers see it with your competences. They can comment.
share-kind-link = Anyone I give a link to
share-kind-link-hint = For an employer, for example. Evidence about a person you care for is never shown.
share-person = Person
share-person-hint = Only people who have opened Carefolio from this course are listed.
share-person-none = Choose a person…
person-teacher = { $name } (teacher)
share-days = The link works for
share-days-7 = 7 days
share-days-30 = 30 days
share-days-90 = 90 days
share-days-never = Until I stop it
share-save = Share
share-made = Shared.
share-link-made = Your link is ready. Copy it now: it is shown only once.
share-link-label = Your link
share-link-hint = Anyone with this address can read what you shared, until it ends or you stop it.
shares-title = Shared now
shares-none = You are not sharing anything.
share-line = { $whom }: { $what }
share-whom-course = My course's teachers
share-whom-link = Anyone with the link
share-until = until { $date }
share-revoke = Stop sharing
share-revoke-named = Stop sharing with { $whom }
share-revoked = You stopped sharing. It no longer works.
unseen-title = { $count ->
    [one] 1 new comment
   *[other] { $count } new comments
}
unseen-on = On “{ $title }”
comments-mark-read = Mark as read
comments-marked-read = Comments marked as read.
audit-title = Who has looked
audit-intro = Every time someone else opens your evidence, it is written here.
audit-none = Nobody has looked at your evidence yet.
audit-read-item = { $who } read “{ $what }”
audit-read-file = { $who } opened the file of “{ $what }”
audit-comment = { $who } commented on “{ $what }”
audit-link-holder = Someone with your link
audit-someone = Someone
shared-with-me-title = Shared with you
shared-with-me-none = Nobody has shared anything with you yet.
shared-portfolio = { $owner }'s portfolio
shared-collection = { $owner }: { $title }
back-to-shared = ← Back
shared-read-only = You can read this and comment on it. Only its owner can change it.
shared-empty = There is nothing to show here.

## Teachers

learners-title = Learners in this course
roster-loading = Getting the list of learners from the course…
roster-refresh = Update the list
roster-not-offered = The course's list of learners is not available: the LMS does not share it with Carefolio. Ask your LMS administrator to switch on the roster service (in Moodle: "IMS LTI Names and Role Provisioning") for Carefolio.
roster-unavailable = The LMS could not be reached to get the list of learners. Try again in a few minutes.
roster-teachers-only = Only the course's teachers can see its learners.
roster-failed = The list of learners could not be loaded: { $detail }
roster-empty = No learners are enrolled in this course yet.
roster-summary = { $count ->
    [one] 1 learner
   *[other] { $count } learners
}, with their progress on this activity's { $competences ->
    [one] competence
   *[other] { $competences } competences
}.
roster-updated = List from the course, updated at { $time }.
learner-without-name = A learner without a name
roster-not-started = Has not opened Carefolio yet
roster-started = Has opened Carefolio
roster-progress = { $covered } of { $total } competences
roster-inactive = Not active in the course
roster-open-map = See competences
roster-open-map-named = See { $name }'s competences
back-to-learners = ← Back to learners
learner-map-title = { $name }'s competences
learner-map-intro = Only the evidence this learner shared with the course's teachers is counted.

## Assessment: claims, the assessor's queue, decisions

tab-queue = To assess
claim-status-draft = Not sent yet
claim-status-submitted = Waiting for an assessor
claim-status-in-review = Being assessed
claim-status-accepted = Accepted
claim-status-more-evidence-needed = More evidence needed
claim-status-not-yet-competent = Not yet
claim-status-withdrawn = Withdrawn
claim-status-line = Assessment: { $status }
outcome-accepted = Accept: the evidence shows the competence
outcome-more-evidence-needed = Ask for more evidence
outcome-not-yet-competent = Not yet: the evidence does not show it
claim-ask = Ask for assessment
claim-ask-for = Ask for assessment of { $code }
claim-send-again = Send again with more evidence
claim-send-again-for = Send { $code } again with more evidence
back-to-map = ← Back to my competences
claim-title = Ask for assessment: { $code } { $title }
claim-title-unknown = Ask for assessment
claim-intro = An assessor reads what you write and the evidence you choose, then tells you what they decided.
claim-assessor-said = Your assessor said:
claim-level = The level you show
claim-level-hint = Choose the level your evidence shows.
claim-statement = What you can do
claim-statement-hint = In a few sentences: what you did, and what it shows you can do.
claim-statement-missing = Write a few sentences about what you can do before you send.
claim-evidence = Evidence to send with it
claim-no-evidence = You have no evidence for this competence yet. Add some first: the assessor needs something to look at.
claim-send = Send for assessment
claim-sent = Sent. Your assessor will look at it; you will see the answer here.
badges-title = Your badges
badge-awarded = Awarded { $date }
badge-revoked = Taken back: { $reason }
badge-download-credential = Download credential
badge-download-credential-of = Download the credential of { $name }
badge-download-image = Download image
badge-download-image-of = Download the image of { $name }
badge-make-public = Show on the web
badge-make-private = Make private
badge-public-page = See its public page
badge-now-public = The badge is now on the web. Anyone with its address can check it.
badge-now-private = The badge is private again.
queue-title = Claims to assess
queue-intro = The oldest claims come first. Open one to read the evidence and decide.
queue-empty = Nothing is waiting for you. New claims appear here.
queue-count = { $total ->
    [one] { $shown } of 1 claim shown
   *[other] { $shown } of { $total } claims shown
}
queue-awaiting-lead = assessors disagree: yours to settle
queue-waiting-since = sent { $date }
queue-evidence = { $count ->
    [one] 1 piece of evidence
   *[other] { $count } pieces of evidence
}
queue-review = Review
queue-review-named = Review { $name }'s claim of { $code }
queue-filters = Show only
queue-filter-competence = Competence
queue-filter-learner = Learner
queue-filter-status = Status
queue-filter-all = All
back-to-queue = ← Back to claims to assess
review-title = { $name }: { $code }
review-title-unknown = Claim
review-level = level { $level }
review-round = sent { $round } times
review-statement = What the learner says
review-evidence = { $count ->
    [one] Their evidence (1)
   *[other] Their evidence ({ $count })
}
review-history = Decisions so far
review-history-line = Round { $round }: { $name } — { $outcome }
review-reconciled = settled by the lead assessor
review-nothing-to-do = You have decided on this claim. It waits for the other assessors.
decision-title = Your decision
decision-title-reconcile = Settle the claim
decision-reconcile-intro = The assessors disagree. As lead assessor, choose the outcome and say why.
decision-outcome = Outcome
decision-feedback = Feedback for the learner
decision-feedback-hint = What they did well, and what to do next. They will read it.
decision-reason = Why this outcome
decision-reason-hint = Kept in the record with the decisions you settle.
decision-save = Save decision
decision-save-reconcile = Settle the claim
decision-saved = Decision saved. The learner will see it.
decision-outcome-missing = Choose an outcome first.
