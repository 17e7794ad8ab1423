// LTI Client Side postMessages (Platform Storage): keeps a login's state in
// the LMS's page when the browser blocks the tool's cookies in its frame.
// Messages go to the platform's frame with the platform's origin as the
// target origin, and only answers from that origin are read.

const ANSWER_TIMEOUT_MS = 3000;

function storageFrame(target) {
  if (!target || target === "_parent") {
    return window.parent;
  }
  try {
    return window.parent.frames[target] || window.parent;
  } catch {
    return window.parent;
  }
}

function messageId() {
  return window.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function ask(storage, message, answerSubject) {
  return new Promise((resolve, reject) => {
    const id = messageId();
    const timer = setTimeout(() => {
      window.removeEventListener("message", listen);
      reject(new Error("the platform did not answer"));
    }, ANSWER_TIMEOUT_MS);
    function listen(event) {
      const data = event.data || {};
      if (event.origin !== storage.origin || data.subject !== answerSubject || data.message_id !== id) {
        return;
      }
      clearTimeout(timer);
      window.removeEventListener("message", listen);
      if (data.error) {
        reject(new Error(data.error.message || data.error.code || "platform storage refused"));
      } else {
        resolve(data);
      }
    }
    window.addEventListener("message", listen);
    storageFrame(storage.target).postMessage({ ...message, message_id: id }, storage.origin);
  });
}

export function putData(storage, key, value) {
  return ask(storage, { subject: "lti.put_data", key, value }, "lti.put_data.response");
}

export async function getData(storage, key) {
  const answer = await ask(storage, { subject: "lti.get_data", key }, "lti.get_data.response");
  return answer.value;
}
