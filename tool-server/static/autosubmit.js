// Submits the page's form at once: used to post signed messages back to the LMS.
document.querySelector("form[data-autosubmit]")?.submit();
