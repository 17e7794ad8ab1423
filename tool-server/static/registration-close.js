// Tells the LMS that dynamic registration is finished (LTI-DR §3.7), so
// that it closes the registration frame or window and shows the new tool.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
