//! Reading the API's JSON (parsed by the browser's `JSON.parse`) and
//! writing request bodies, field by field. The widget does without serde:
//! its derived code was a third of the widget's size.

use wasm_bindgen::JsValue;

use crate::api::LanguageMap;

/// A value read from parsed JSON; `None` when it is missing or of another
/// type (an optional field reads missing as `Some(None)`).
pub trait FromJson: Sized {
    fn from_json(value: &JsValue) -> Option<Self>;
}

pub fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

impl FromJson for String {
    fn from_json(value: &JsValue) -> Option<String> {
        value.as_string()
    }
}

impl FromJson for JsValue {
    /// Kept as it came, to be sent on unchanged.
    fn from_json(value: &JsValue) -> Option<JsValue> {
        Some(value.clone())
    }
}

impl FromJson for bool {
    /// A missing flag is false.
    fn from_json(value: &JsValue) -> Option<bool> {
        if absent(value) {
            Some(false)
        } else {
            value.as_bool()
        }
    }
}

impl FromJson for i64 {
    fn from_json(value: &JsValue) -> Option<i64> {
        value.as_f64().map(|n| n as i64)
    }
}

impl FromJson for i32 {
    fn from_json(value: &JsValue) -> Option<i32> {
        value.as_f64().map(|n| n as i32)
    }
}

impl FromJson for u32 {
    fn from_json(value: &JsValue) -> Option<u32> {
        value.as_f64().map(|n| n as u32)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &JsValue) -> Option<Option<T>> {
        if absent(value) {
            Some(None)
        } else {
            T::from_json(value).map(Some)
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    /// A missing list is empty; an item of another shape fails the list.
    fn from_json(value: &JsValue) -> Option<Vec<T>> {
        if absent(value) {
            return Some(Vec::new());
        }
        if !js_sys::Array::is_array(value) {
            return None;
        }
        js_sys::Array::from(value)
            .iter()
            .map(|item| T::from_json(&item))
            .collect()
    }
}

impl FromJson for LanguageMap {
    fn from_json(value: &JsValue) -> Option<LanguageMap> {
        if !value.is_object() {
            return None;
        }
        let mut map = LanguageMap::new();
        for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(key), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                map.push((key, text));
            }
        }
        Some(map)
    }
}

use wasm_bindgen::JsCast;

/// `impl FromJson` for a struct whose fields are named as in the JSON.
macro_rules! from_json {
    ($($name:ident { $($field:ident),* $(,)? })*) => {
        $(impl $crate::json::FromJson for $name {
            fn from_json(value: &wasm_bindgen::JsValue) -> Option<$name> {
                if !value.is_object() {
                    return None;
                }
                Some($name {
                    $($field: $crate::json::FromJson::from_json(
                        &$crate::json::field(value, stringify!($field)),
                    )?,)*
                })
            }
        })*
    };
}
pub(crate) use from_json;

/// A value written into a request body.
pub trait ToJson {
    fn to_json(&self) -> JsValue;
}

impl ToJson for str {
    fn to_json(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl ToJson for String {
    fn to_json(&self) -> JsValue {
        JsValue::from_str(self)
    }
}

impl ToJson for bool {
    fn to_json(&self) -> JsValue {
        JsValue::from_bool(*self)
    }
}

impl ToJson for i32 {
    fn to_json(&self) -> JsValue {
        JsValue::from_f64(f64::from(*self))
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> JsValue {
        JsValue::from_f64(*self as f64)
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> JsValue {
        match self {
            Some(value) => value.to_json(),
            None => JsValue::NULL,
        }
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> JsValue {
        self.iter()
            .map(ToJson::to_json)
            .collect::<js_sys::Array>()
            .into()
    }
}

/// An object with these fields.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}
